/**
 * Sightline's browser tracker. One classic script, zero dependencies, built by ../build.mjs into `s.js` (default
 * features) and `s.full.js` (every optional feature), each under the gzip budget of issue 3 (checked by a test).
 * README.md documents the behaviour for site owners; keep the two in step.
 *
 * Rules this file keeps:
 * - It never throws into the page: setup runs in one try/catch, every listener and callback through `guarded`.
 * - It writes no cookie and no storage. It reads one key, `localStorage.sightline_ignore`, which only the site
 *   owner's opt-out control writes, at the visitor's request.
 * - It never blocks: events leave through sendBeacon (fetch keepalive when the beacon queue is full); both survive
 *   the page unloading, so link clicks need no navigation delay.
 *
 * Written for the minifier (bytes are the budget): one closure, locals instead of properties, no classes.
 * Feature flags are build-time constants; the minifier drops disabled branches. Payload keys are the short keys
 * of the server's ingest/formats/plausible.ts: Plausible's Events API plus Sightline's superset.
 */

/** Build-time flags (esbuild `define`, see build.mjs VARIANTS). */
declare const FEATURE_OUTBOUND: boolean;
declare const FEATURE_DOWNLOADS: boolean;
declare const FEATURE_TAGGED: boolean;
declare const FEATURE_404: boolean;
declare const FEATURE_BFCACHE: boolean;
declare const FEATURE_PRERENDER: boolean;
declare const FEATURE_FORMS: boolean;

interface EventOptions {
  props?: Record<string, unknown>;
  revenue?: { amount: number | string; currency: string };
  /** false: the event does not make a session non-bounced. */
  interactive?: boolean;
  /** Runs after the event is handed to the browser, or at once when nothing is sent (opted out, excluded). */
  callback?: () => void;
  /** Report this URL instead of the current one (e.g. to redact ids from paths). */
  url?: string;
}

type Payload = Record<string, unknown>;

interface TrackerWindow extends Window {
  sightline?: ((name: string, options?: EventOptions) => void) & { q?: ArrayLike<unknown>[] };
  sightline_ignore?: unknown;
  Cypress?: unknown;
}

(() => {
  try {
    const win = window as TrackerWindow;
    const doc = document;
    const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
    const loc = location;
    const now = Date.now;
    // Every entry point from the page goes through this: a tracker bug may cost the site its analytics, never a
    // feature, and never an error report in the site's monitoring.
    const guarded =
      <A extends unknown[]>(handler: ((...args: A) => unknown) | undefined) =>
      (...args: A) => {
        try {
          handler!(...args);
        } catch {}
      };
    const listen = <E>(target: EventTarget, type: string, handler: (event: E) => unknown) =>
      target.addEventListener(type, guarded(handler) as unknown as EventListener, true);

    // Calls made before this script ran, queued by the snippet in README.md.
    const queued = (win.sightline || ({} as { q?: ArrayLike<unknown>[] })).q;
    const script = doc.currentScript as HTMLScriptElement;
    /** The tag's `data-*` attributes (README.md, "Attributes"). Boolean ones count when present: `'hash' in data`. */
    const data = script.dataset;
    // sendBeacon and fetch take URL objects as they are.
    const endpoint = data.api || new URL('/api/event', script.src);
    const domain = data.domain || loc.hostname;
    const hashMode = 'hash' in data;
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

    // Decided once: none of these changes while the page lives. An empty hostname is a file: URL; `localhost$`
    // also covers *.localhost, which browsers resolve to loopback. Automation: WebDriver, Playwright, Puppeteer and
    // Cypress; older headless browsers (PhantomJS, …) announce themselves in the user agent, which the server's bot
    // step drops.
    const excluded =
      ('respectGpc' in data && nav.globalPrivacyControl) ||
      (!('allowLocalhost' in data) && /^(127\.|\[::1\]|$)|localhost$/.test(loc.hostname)) ||
      (!('allowAutomation' in data) && (nav.webdriver || win.Cypress));
    // The opt-out switch (README.md, "Opting out") is read per send, so setting it needs no reload.
    const send = guarded((name: string, extra?: Payload, url = loc.href) => {
      if (excluded || win.sightline_ignore) return;
      const body = JSON.stringify({
        n: name,
        u: url,
        d: domain,
        r: doc.referrer,
        t: doc.title,
        w: screen.width,
        sh: screen.height,
        vw: innerWidth,
        vh: innerHeight,
        l: nav.language,
        tz: timeZone,
        h: hashMode,
        ...extra,
      });
      // sendBeacon answers false when its 64 KB queue is full; fetch keepalive has a quota of its own.
      nav.sendBeacon(endpoint, body) || fetch(endpoint, { method: 'POST', body, keepalive: true }).catch(now);
    });

    const track = (name: string, options?: EventOptions) => {
      options = options || {};
      send(name, { p: options.props, $: options.revenue, i: options.interactive }, options.url);
      // Called whether or not anything was sent: sites wait on it before navigating away.
      guarded(options.callback)();
    };

    // Engagement: a gap between inputs counts up to 15 s (the idle cutoff, README.md "Engagement"), and only while
    // the page is visible.
    // Set by every pageview before anything reads them.
    let engagedMs: number;
    let lastInput: number;
    /** Largest fraction of the page seen, in percent (unrounded). */
    let maxScroll: number;
    let visibilityChanges: number;
    /** URL of the pageview engagement belongs to; undefined before the first pageview. */
    let pageUrl: string | undefined;
    let pageKey: string | undefined;
    /**
     * Visibility as of the last visibilitychange. Not `doc.hidden`: inside the change event that already tells the
     * new state, and the span that just ended was visible.
     */
    let hidden = doc.hidden;

    const tick = () => {
      const at = now();
      if (!hidden) engagedMs += Math.min(at - lastInput, 15e3);
      lastInput = at;
    };
    const measureScroll = () => {
      maxScroll = Math.max(maxScroll, ((scrollY + innerHeight) / doc.documentElement.scrollHeight) * 100);
    };
    const sendEngagement = () => {
      tick();
      measureScroll();
      // Only when the page was seen since the last send (scrolling is input, so it adds time too). Time and
      // visibility changes are what is new since then (the server sums them); scroll depth is the page's maximum.
      // Engagement is never interactive: the server knows that from the name, so `i` is not sent.
      // engagedMs is NaN until the first pageview resets it, so nothing is sent for a page never counted.
      if (engagedMs) {
        send('engagement', { e: engagedMs, sd: Math.min(100, Math.round(maxScroll)), vc: visibilityChanges }, pageUrl);
        engagedMs = visibilityChanges = 0;
      }
    };

    const pageview = () => {
      // Same path (a query change, a replaceState of state, a hash jump outside hash mode): the same pageview.
      // biome-ignore lint/suspicious/noAssignInExpressions: bytes are the budget; compares the old key with the new.
      if (pageKey !== (pageKey = loc.pathname + (hashMode ? loc.hash : ''))) {
        sendEngagement();
        pageUrl = loc.href;
        engagedMs = visibilityChanges = maxScroll = 0;
        send('pageview');
      }
    };

    const history_ = history as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of ['pushState', 'replaceState']) {
      const original = history_[method]!;
      history_[method] = function (this: unknown, ...args: unknown[]) {
        // The page's own call: its result and errors are the page's; our part runs after, guarded.
        const result = original.apply(this, args);
        guarded(pageview)();
        return result;
      };
    }
    listen(win, 'popstate', pageview);
    if (hashMode) listen(win, 'hashchange', pageview);
    // The back/forward cache restores a page without running scripts again: it is a new view all the same.
    if (FEATURE_BFCACHE)
      listen(win, 'pageshow', (event: PageTransitionEvent) => {
        if (event.persisted) {
          pageKey = '';
          pageview();
        }
      });

    // Taps also fire a compatibility mousemove, so touch needs no listener of its own.
    for (const type of ['mousemove', 'keydown', 'scroll']) listen(doc, type, tick);
    listen(doc, 'scroll', measureScroll);
    listen(doc, 'visibilitychange', () => {
      visibilityChanges++;
      // Closes the span that just ended (counted only if it was visible), then reports when the page went away.
      tick();
      // biome-ignore lint/suspicious/noAssignInExpressions: two bytes fewer once minified (bytes are the budget).
      if ((hidden = doc.hidden)) sendEngagement();
    });
    listen(win, 'pagehide', sendEngagement);

    /** Named events from markup: `data-sl-event` with `data-sl-prop-*`. */
    const trackTagged = (element: Element) => {
      const props: Record<string, string> = {};
      for (const { name, value } of element.attributes)
        if (name.startsWith('data-sl-prop-')) props[name.slice(13)] = value;
      track(element.getAttribute('data-sl-event')!, { props });
    };

    const fileTypes =
      FEATURE_DOWNLOADS &&
      `pdf,csv,txt,rtf,doc,docx,xls,xlsx,ppt,pptx,key,zip,rar,7z,gz,dmg,pkg,exe,msi,apk,iso,mp3,wav,mp4,mov,avi,${data.fileTypes}`.split(
        ',',
      );
    // auxclick: a middle click opens a new tab. Right clicks (button 2) are not followed.
    if (FEATURE_OUTBOUND || FEATURE_DOWNLOADS || FEATURE_TAGGED)
      for (const type of ['click', 'auxclick'])
        listen(doc, type, (event: MouseEvent) => {
          if (event.button > 1) return;
          const target = event.target as Element;
          const tagged = FEATURE_TAGGED && target.closest('[data-sl-event]');
          if (tagged && tagged.tagName !== 'FORM') return trackTagged(tagged);
          const link = target.closest('a') as HTMLAnchorElement | null;
          // protocol filters mailto:, tel:, javascript: and SVG links (whose href is not a string).
          if (!link || !/^http/.test(link.protocol)) return;
          // Origin and path only: queries of signed download links and of outbound URLs may carry secrets.
          const props = { url: link.origin + link.pathname };
          if (
            FEATURE_DOWNLOADS &&
            (link.hasAttribute('download') ||
              (fileTypes as string[]).includes(link.pathname.split('.').pop()!.toLowerCase()))
          )
            track('File Download', { props });
          else if (FEATURE_OUTBOUND && link.host !== loc.host) track('Outbound Link: Click', { props });
        });

    if (FEATURE_TAGGED || FEATURE_FORMS)
      listen(doc, 'submit', (event: SubmitEvent) => {
        const form = event.target as HTMLFormElement;
        if (FEATURE_TAGGED && form.hasAttribute('data-sl-event')) trackTagged(form);
        // getAttribute: form.id and form.name are shadowed by fields named "id" and "name".
        else if (FEATURE_FORMS)
          track('Form: Submission', { props: { form: form.getAttribute('id') || form.getAttribute('name') } });
      });

    // A prerendered page may never be seen: count it when (if) the visitor activates it.
    if (FEATURE_PRERENDER && (doc as Document & { prerendering?: boolean }).prerendering)
      listen(doc, 'prerenderingchange', pageview);
    else pageview();
    if (FEATURE_404 && '404' in data) track('404');
    win.sightline = track;
    for (const args of queued || []) track.apply(0, args as unknown as [string, EventOptions]);
  } catch {}
})();
