import { isbot } from 'isbot';
import { UA_INPUT_MAX } from './user-agent.js';

/**
 * Below this length a user agent cannot be a browser's: the shortest real ones ("Mozilla/5.0 (…) …") run past 60
 * characters, while scripts send things like "curl/8" or nothing at all.
 */
const MIN_BROWSER_UA_LENGTH = 20;

/**
 * Automation that isbot's list does not catch (or catches only in some spellings). Each token appears in no shipping
 * browser's user agent: headless and scripted Chrome, PhantomJS/SlimerJS, jsdom, Selenium/WebDriver, Lighthouse
 * (PageSpeed Insights) and Google's placeholder version "Chrome/W.X.Y.Z" used by crawlers.
 */
const AUTOMATION_UA =
  /headless|phantomjs|slimerjs|puppeteer|playwright|selenium|webdriver|lighthouse|jsdom|nightmare|cypress|W\.X\.Y\.Z/i;

/**
 * An Electron user agent without a Chrome token. Real Electron apps keep Electron's default user agent, which names
 * the app and Chrome; scrapers built on Electron usually rewrite it and drop Chrome. Slack, Discord, VS Code and
 * other desktop apps are therefore not flagged.
 */
function isElectronWithoutChrome(agent: string): boolean {
  return /\bElectron\//.test(agent) && !/\bChrome\//.test(agent);
}

/**
 * Whether a request comes from a bot rather than a person's browser. Combines isbot's maintained pattern list with
 * signals of headless browsers, including the client hint headers that headless Chrome sends even when its user agent
 * has been made to look ordinary. Errs on the side of counting: a real browser must never be flagged. Never throws.
 *
 * @example isBotRequest('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', {}) // true
 */
export function isBotRequest(ua: string, headers: Record<string, string | string[] | undefined>): boolean {
  try {
    const agent = typeof ua === 'string' ? ua.slice(0, UA_INPUT_MAX).trim() : '';
    return botByUserAgent(agent) || headlessClientHints(headers);
  } catch {
    // isbot's pattern is a large regular expression; if it ever fails, count the visit rather than lose it.
    return false;
  }
}

/**
 * The user-agent verdict, remembered per distinct user agent: isbot's pattern is one very large regular expression
 * and real traffic repeats a few thousand user agents. Bounded: the memo is dropped whole when full (a pure function's
 * cache, so sharing it across callers changes nothing but speed).
 */
const verdicts = new Map<string, boolean>();
const VERDICTS_MAX = 20_000;

function botByUserAgent(agent: string): boolean {
  let verdict = verdicts.get(agent);
  if (verdict === undefined) {
    verdict =
      agent.length < MIN_BROWSER_UA_LENGTH ||
      isbot(agent) ||
      AUTOMATION_UA.test(agent) ||
      isElectronWithoutChrome(agent);
    if (verdicts.size >= VERDICTS_MAX) verdicts.clear();
    verdicts.set(agent, verdict);
  }
  return verdict;
}

/** `Sec-CH-UA: "HeadlessChrome";v="124", …` — Chrome's --headless=new mode reports itself here. */
function headlessClientHints(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers === null || typeof headers !== 'object') return false;
  // Two named reads rather than a loop over the names: this runs for every event, and most requests carry neither.
  const hints = headers['sec-ch-ua'];
  const versions = headers['sec-ch-ua-full-version-list'];
  return (
    (hints !== undefined && HEADLESS.test(headerValue(hints))) ||
    (versions !== undefined && HEADLESS.test(headerValue(versions)))
  );
}

const HEADLESS = /headless/i;

function headerValue(value: string | string[] | undefined): string {
  if (typeof value === 'string') return value.slice(0, UA_INPUT_MAX);
  if (Array.isArray(value)) return value.join(',').slice(0, UA_INPUT_MAX);
  return '';
}
