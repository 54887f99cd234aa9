import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { acceptLanguageFor, COUNTRIES, publicIpIn, randomPublicIp, randomVisitorLocale } from './geography.js';
import { seededRandom } from './random.js';

// The same offline database the ingestion geo step uses (a CommonJS package without types).
const geoip = createRequire(import.meta.url)('geoip-country') as { lookup(ip: string): { country: string } | null };

describe('COUNTRIES', () => {
  it('has addresses that the offline geo database places in the intended country', () => {
    const random = seededRandom(3);
    for (const country of COUNTRIES) {
      for (const block of country.ipBlocks) {
        for (let i = 0; i < 40; i++) {
          const ip = publicIpIn(random, { ...country, ipBlocks: [block] });
          expect({ ip, country: geoip.lookup(ip)?.country }).toEqual({ ip, country: country.code });
        }
      }
    }
  });

  it('spreads visitors over many countries, the US the largest', () => {
    const random = seededRandom(9);
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const { country } = randomVisitorLocale(random);
      counts.set(country, (counts.get(country) ?? 0) + 1);
    }
    expect(counts.size).toBeGreaterThanOrEqual(25);
    const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    expect(top?.[0]).toBe('US');
  });
});

describe('randomPublicIp', () => {
  it('returns dotted IPv4 addresses with no network or broadcast host', () => {
    const random = seededRandom(5);
    for (let i = 0; i < 1000; i++) {
      const octets = randomPublicIp(random).split('.').map(Number);
      expect(octets).toHaveLength(4);
      expect(octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255)).toBe(true);
      expect(octets[3]).toBeGreaterThan(0);
      expect(octets[3]).toBeLessThan(255);
    }
  });
});

describe('acceptLanguageFor', () => {
  it('builds the header a browser sends for its UI language', () => {
    expect(acceptLanguageFor('de-DE')).toBe('de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7');
    expect(acceptLanguageFor('en-GB')).toBe('en-GB,en;q=0.9');
    expect(acceptLanguageFor('ja')).toBe('ja,en;q=0.8');
  });
});
