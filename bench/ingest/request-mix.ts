import { randomPublicIp } from '../../packages/server/src/demo/geography.js';
import { seededRandom, weightedPicker } from '../../packages/server/src/demo/random.js';
import { concreteReferrer } from '../../packages/server/src/demo/referrers.js';
import { PATH_MIX, REAL_USER_AGENTS, REFERRER_MIX } from '../../packages/server/src/demo/traffic.js';
import { SCREEN_SIZES } from '../../packages/server/src/demo/user-agents.js';
import type { PreparedRequest } from './load-generator.js';

export interface RequestMixOptions {
  domain: string;
  /** Distinct requests in the pool (cycled by the load generator). */
  size: number;
  /** Distinct visitors (IP + user agent pairs); each request belongs to one of them. */
  visitors: number;
  seed: number;
}

/**
 * Plausible-format pageviews as browsers send them: real user agents in their market shares, public IPs from many
 * countries in X-Forwarded-For (the server runs with TRUST_PROXY), pages by popularity, referrers by channel.
 */
export function buildRequestPool(options: RequestMixOptions): PreparedRequest[] {
  const random = seededRandom(options.seed);
  const pickUserAgent = weightedPicker(REAL_USER_AGENTS.map((profile) => ({ value: profile, weight: profile.weight })));
  const pickPath = weightedPicker(PATH_MIX);
  const pickReferrer = weightedPicker(REFERRER_MIX);
  const visitors = Array.from({ length: Math.max(1, options.visitors) }, () => {
    const profile = pickUserAgent(random);
    const screens = SCREEN_SIZES[profile.screens];
    const screen = screens[Math.floor(random() * screens.length)] ?? { width: 1920 };
    return { userAgent: profile.userAgent, ip: randomPublicIp(random), screenWidth: screen.width };
  });
  return Array.from({ length: Math.max(1, options.size) }, () => {
    const visitor = visitors[Math.floor(random() * visitors.length)] ?? visitors[0];
    const referrer = concreteReferrer(random, pickReferrer(random));
    const body = {
      n: 'pageview',
      u: `https://${options.domain}${pickPath(random)}`,
      d: options.domain,
      r: referrer === '' ? null : referrer,
      w: visitor?.screenWidth,
    };
    return {
      body: Buffer.from(JSON.stringify(body)),
      headers: {
        'content-type': 'application/json',
        'user-agent': visitor?.userAgent ?? '',
        'x-forwarded-for': visitor?.ip ?? '',
      },
    };
  });
}
