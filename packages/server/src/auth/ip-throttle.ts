import { isIPv4, isIPv6 } from 'node:net';
import { HttpError } from '../http/errors.js';
import type { StateStore } from '../storage/state/state-store.js';

const WINDOW_MS = 60_000;

export interface IpThrottle {
  /** Counts one attempt from `ip`; throws a 429 with Retry-After once the minute's budget is spent. */
  hit(ip: string): Promise<void>;
}

/**
 * Per-client attempt budget for the unauthenticated account routes (sign-in, sign-up, reset): a fixed one-minute
 * window in the state store, so every node of a cluster shares it (Redis). It caps guessing across many accounts,
 * which the per-account lockout alone does not. `limitPerMinute` 0 turns it off.
 * A successful sign-in deliberately does NOT reset it: otherwise anyone with an account of their own could sign in
 * between guesses at other accounts and never run out of attempts.
 */
export function createIpThrottle(options: {
  state: Pick<StateStore, 'increment'>;
  limitPerMinute: number;
  now: () => number;
  /** Separates budgets of different route groups in the shared store. */
  scope: string;
  message?: string;
}): IpThrottle {
  const { state, limitPerMinute, now, scope } = options;
  const message = options.message ?? 'Too many attempts from your network; wait a minute and try again';
  return {
    async hit(ip) {
      if (limitPerMinute <= 0) return;
      const at = now();
      const window = Math.floor(at / WINDOW_MS);
      const count = await state.increment(`throttle:${scope}:${clientKey(ip)}:${window}`, WINDOW_MS);
      if (count > limitPerMinute) {
        const retryAfter = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - at) / 1000));
        throw new HttpError(429, message, { 'retry-after': String(retryAfter) });
      }
    },
  };
}

/**
 * What one client is, for throttling: the IPv4 address, or the /64 network of an IPv6 address (one subscriber
 * usually gets a whole /64, so counting single IPv6 addresses would give an attacker 2^64 budgets).
 * IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function clientKey(ip: string): string {
  const address = ip.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped?.[1] !== undefined && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address.slice(0, 64);
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros. Input must be valid (isIPv6). */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':')).flatMap(groupsOf);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}

/** One group, or two for an embedded IPv4 tail (`::ffff:1.2.3.4`). */
function groupsOf(part: string): string[] {
  if (!part.includes('.')) return [part];
  const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
