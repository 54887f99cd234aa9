import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LIMITS } from '../../domain/event.js';

export interface SpamReferrerList {
  /** Whether the referrer domain (or a parent domain of it) is a known referrer-spam domain. */
  isSpam(referrerDomain: string): boolean;
  /** Number of domains on the list. */
  readonly size: number;
}

/**
 * Path of the shipped list. `data/` sits beside `src/` and `dist/` in the server package, and this file is three
 * levels below either, so the same relative path works from source (tsx, vitest) and from the build.
 */
export const SHIPPED_SPAM_REFERRERS_FILE = fileURLToPath(new URL('../../../data/spam-referrers.txt', import.meta.url));

/** Domains of a list file: one per line, `#` starts a comment, blank lines ignored. */
export function parseSpamReferrerFile(text: string): string[] {
  const domains: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const domain = normaliseDomain(line.replace(/#.*/, ''));
    if (domain !== '') domains.push(domain);
  }
  return domains;
}

/** Read the list shipped with Sightline. Throws if the file is missing: that is a broken install, not bad input. */
export function loadShippedSpamReferrers(file: string = SHIPPED_SPAM_REFERRERS_FILE): string[] {
  return parseSpamReferrerFile(readFileSync(file, 'utf8'));
}

/**
 * A set of referrer-spam domains. A listed domain also covers its subdomains (`semalt.com` catches
 * `x.semalt.semalt.com`); each check costs one set lookup per label of the domain.
 *
 * @example createSpamReferrerList(['semalt.com']).isSpam('www.semalt.com') // true
 */
export function createSpamReferrerList(domains: Iterable<string> = loadShippedSpamReferrers()): SpamReferrerList {
  const set = new Set<string>();
  for (const domain of domains) {
    const normalised = typeof domain === 'string' ? normaliseDomain(domain) : '';
    if (normalised !== '') set.add(normalised);
  }
  return {
    size: set.size,
    isSpam(referrerDomain) {
      if (typeof referrerDomain !== 'string' || set.size === 0) return false;
      let host = normaliseDomain(referrerDomain.slice(0, LIMITS.hostname + 1));
      while (host !== '') {
        if (set.has(host)) return true;
        const dot = host.indexOf('.');
        if (dot === -1) return false;
        host = host.slice(dot + 1);
      }
      return false;
    },
  };
}

function normaliseDomain(raw: string): string {
  let domain = raw.trim().toLowerCase();
  while (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (domain.startsWith('www.')) domain = domain.slice(4);
  return domain;
}
