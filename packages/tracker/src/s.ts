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
declare const FEATURE_TAGGED_REVENUE: boolean;
declare const FEATURE_MANUAL_URL: boolean;

interface EventOptions {
  props?: Record<string, unknown>;
  revenue?: { amount: number | string; currency: string };
  /** false: the event does not make a session non-bounced. */
  interactive?: boolean;
  /** Runs after the event is handed to the browser, or at once when nothing is sent (opted out, excluded). */
  callback?: () => void;
  /** Full variant: report this URL instead of the current one (e.g. to redact ids from paths). */
  url?: string;
}

type Payload = Record<string, unknown>;

interface TrackerWindow extends Window {
  sightline?: ((name: string, options?: EventOptions) => void) & { q?: ArrayLike<unknown>[] };
  sightline_ignore?: unknown;
  _phantom?: unknown;
  __nightmare?: unknown;
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
      <E>(handler: (event: E) => unknown) =>
      (event: E) => {
        try {
          handler(event);
        } catch {}
      };
    const listen = <E>(target: EventTarget, type: string, handler: (event: E) => unknown) =>
      target.addEventListener(type, guarded(handler) as EventListener, true);

    // Calls made before this script ran, queued by the snippet in README.md.
    const queued = win.sightline && win.sightline.q;
    const script = doc.currentScript as HTMLScriptElement;
    const attr = (name: string) => script.getAttribute(`data-${name}`);
    const has = (name: string) => attr(name) != null;
    const endpoint = attr('api') || new URL('/api/event', script.src).href;
    const domain = attr('domain') || loc.hostname;
    const hashMode = has('hash') ? 1 : undefined;
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

    // Decided once: none of these changes while the page lives.
    const excluded =
      (has('respect-gpc') && nav.globalPrivacyControl) ||
      (!has('allow-localhost') &&
        (/^(localhost|127\.|\[::1\]$)|\.localhost$/.test(loc.hostname) || loc.protocol == 'file:')) ||
      (!has('allow-automation') && (nav.webdriver || win._phantom || win.__nightmare || win.Cypress));

    /** @returns whether anything was sent. Opt-outs are read per send, so flipping one needs no reload. */
    const send = (name: string, extra: Payload, url = loc.href) => {
      if (excluded || win.sightline_ignore || localStorage.sightline_ignore == 'true') return;
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
        z: timeZone,
        h: hashMode,
        ...extra,
      });
      // sendBeacon answers false when its 64 KB queue is full; fetch keepalive has a quota of its own.
      nav.sendBeacon(endpoint, body) || fetch(endpoint, { method: 'POST', body, keepalive: true }).catch(now);
    };

    const track = (win.sightline = (name: string, options?: EventOptions) => {
      options = options || {};
      guarded(send)(
        name,
        { p: options.props, $: options.revenue, i: options.interactive },
        FEATURE_MANUAL_URL ? options.url : undefined,
      );
      // Called whether or not anything was sent: sites wait on it before navigating away.
      guarded(() => options.callback && options.callback())(0);
    });

    // Engagement: a gap between inputs counts up to IDLE_MS, and only while the page is visible.
    const IDLE_MS = 15e3;
    let engagedMs = 0;
    let lastInput = 0;
    /** Largest fraction of the page seen, in percent (unrounded). */
    let maxScroll = 0;
    let sentScroll = 0;
    let visibilityChanges = 0;
    /** URL of the pageview engagement belongs to; undefined before the first pageview. */
    let pageUrl: string | undefined;
    let pageKey: string | undefined;

    const tick = () => {
      const at = now();
      if (!doc.hidden) engagedMs += Math.min(at - lastInput, IDLE_MS);
      lastInput = at;
    };
    const measureScroll = () => {
      maxScroll = Math.max(maxScroll, ((scrollY + innerHeight) / doc.documentElement.scrollHeight) * 100);
    };
    const sendEngagement = () => {
      tick();
      measureScroll();
      // Only what is new since the last send: the server sums time and changes and takes the maximum scroll.
      if (pageUrl && (engagedMs > 999 || maxScroll > sentScroll)) {
        send(
          'engagement',
          { e: engagedMs, sd: Math.min(100, Math.round(maxScroll)), vc: visibilityChanges, i: false },
          pageUrl,
        );
        engagedMs = visibilityChanges = 0;
        sentScroll = maxScroll;
      }
    };

    const pageview = () => {
      // Same path (a query change, a replaceState of state, a hash jump outside hash mode): the same pageview.
      if (pageKey != (pageKey = loc.pathname + (hashMode ? loc.hash : ''))) {
        sendEngagement();
        pageUrl = loc.href;
        engagedMs = visibilityChanges = maxScroll = sentScroll = 0;
        send('pageview', {});
      }
    };

    const history_ = history as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of ['pushState', 'replaceState']) {
      const original = history_[method]!;
      history_[method] = function (this: unknown) {
        // The page's own call: its result and errors are the page's; our part runs after, guarded.
        const result = original.apply(this, arguments as unknown as unknown[]);
        guarded(pageview)(0);
        return result;
      };
    }
    listen(win, 'popstate', pageview);
    if (hashMode) listen(win, 'hashchange', pageview);
    // The back/forward cache restores a page without running scripts again: it is a new view all the same.
    if (FEATURE_BFCACHE)
      listen(win, 'pageshow', (event: PageTransitionEvent) => event.persisted && ((pageKey = undefined), pageview()));

    for (const type of ['mousemove', 'keydown', 'touchstart', 'scroll']) listen(doc, type, tick);
    listen(win, 'scroll', measureScroll);
    listen(doc, 'visibilitychange', () => {
      visibilityChanges++;
      // Becoming visible starts a fresh gap; becoming hidden closes the current one.
      doc.hidden ? sendEngagement() : (lastInput = now());
    });
    listen(win, 'pagehide', sendEngagement);

    /** Named events from markup: `data-sl-event` with `data-sl-prop-*` (full variant: `data-sl-revenue`). */
    const trackTagged = (element: Element) => {
      const props: Record<string, string> = {};
      for (const { name, value } of element.attributes)
        if (name.startsWith('data-sl-prop-')) props[name.slice(13)] = value;
      let revenue: EventOptions['revenue'];
      if (FEATURE_TAGGED_REVENUE) {
        // "29.90 EUR"
        const [amount, currency] = (element.getAttribute('data-sl-revenue') || '').split(' ');
        if (currency) revenue = { amount: amount!, currency };
      }
      track(element.getAttribute('data-sl-event')!, { props, revenue });
    };


    const fileTypes =
      FEATURE_DOWNLOADS && `pdf,xlsx,docx,txt,rtf,csv,exe,key,pps,ppt,pptx,7z,pkg,rar,gz,zip,avi,mov,mp4,mpeg,wmv,midi,mp3,wav,wma,dmg,${attr('file-types')}`
      .toLowerCase()
      .split(',');
    // auxclick: a middle click opens a new tab. Right clicks (button 2) are not followed.
    if (FEATURE_OUTBOUND || FEATURE_DOWNLOADS || FEATURE_TAGGED)
      for (const type of ['click', 'auxclick'])
        listen(doc, type, (event: MouseEvent) => {
          if (event.button > 1) return;
          const target = event.target as Element;
          const tagged = FEATURE_TAGGED && target.closest('[data-sl-event]');
          if (tagged && tagged.tagName != 'FORM') return trackTagged(tagged);
          const link = target.closest('a') as HTMLAnchorElement | null;
          // protocol filters mailto:, tel:, javascript: and SVG links (whose href is not a string).
          if (!link || !/^http/.test(link.protocol)) return;
          // Origin and path only: queries of signed download links and of outbound URLs may carry secrets.
          const props = { url: link.origin + link.pathname };
          if (
            FEATURE_DOWNLOADS &&
            (link.hasAttribute('download') || (fileTypes as string[]).includes(link.pathname.split('.').pop()!.toLowerCase()))
          )
            track('File Download', { props });
          else if (FEATURE_OUTBOUND && link.host != loc.host) track('Outbound Link: Click', { props });
        });

    if (FEATURE_TAGGED || FEATURE_FORMS)
      listen(doc, 'submit', (event: SubmitEvent) => {
        const form = event.target as HTMLFormElement;
        if (FEATURE_TAGGED && form.hasAttribute('data-sl-event')) trackTagged(form);
        // getAttribute: form.id and form.name are shadowed by fields named "id" and "name".
        else if (FEATURE_FORMS)
          track('Form: Submission', { props: { form: form.getAttribute('id') || form.getAttribute('name') || '' } });
      });

    // A prerendered page may never be seen: count it when (if) the visitor activates it.
    if (FEATURE_PRERENDER && (doc as Document & { prerendering?: boolean }).prerendering)
      listen(doc, 'prerenderingchange', pageview);
    else pageview();
    if (FEATURE_404 && has('404')) track('404');
    for (const args of queued || []) track.apply(0, args as unknown as [string, EventOptions]);
  } catch {}
})();
