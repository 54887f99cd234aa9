import { isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CountryDatabase, createGeoLocator, dottedQuadNumber, normaliseIp } from './geo.js';

/** A stand-in database that records what it was asked. */
function fakeDatabase(table: Record<string, string>): {
  load: () => CountryDatabase;
  loads: () => number;
  lookups: string[];
} {
  let loads = 0;
  const lookups: string[] = [];
  return {
    load: () => {
      loads++;
      return {
        lookup(ip) {
          lookups.push(ip);
          const country = table[ip];
          return country ? { country } : null;
        },
      };
    },
    loads: () => loads,
    lookups,
  };
}

describe('createGeoLocator', () => {
  it('locates public IPv4, IPv6 and IPv4-mapped IPv6 addresses with the shipped database', () => {
    const geo = createGeoLocator();
    expect(geo.countryFor('8.8.8.8', {})).toBe('US');
    expect(geo.countryFor('::ffff:77.88.8.8', {})).toBe('RU');
    expect(geo.countryFor('2001:4860:4860::8888', {})).toBe('US');
  });

  it('gives no country for private, loopback and malformed addresses', () => {
    const db = fakeDatabase({});
    const geo = createGeoLocator({ loadDatabase: db.load });
    for (const ip of [
      '10.1.2.3',
      '192.168.0.10',
      '172.20.0.1',
      '127.0.0.1',
      '::1',
      'fe80::1%eth0',
      'fd00::5',
      '::ffff:10.0.0.1',
      '100.64.1.1',
      '',
      'not-an-ip',
      '999.1.1.1',
    ]) {
      expect(geo.countryFor(ip, {})).toBe('');
    }
    expect(db.lookups).toEqual([]);
  });

  it('opens the database only when first needed, and only once', () => {
    const db = fakeDatabase({ '203.0.114.1': 'NL' });
    const geo = createGeoLocator({ loadDatabase: db.load });
    expect(db.loads()).toBe(0);
    expect(geo.countryFor('203.0.114.1', {})).toBe('NL');
    expect(geo.countryFor('203.0.114.1', {})).toBe('NL');
    expect(db.loads()).toBe(1);
  });

  it('prefers a configured CDN header, and ignores it when it does not name a country', () => {
    const db = fakeDatabase({ '203.0.114.1': 'NL' });
    const geo = createGeoLocator({ countryHeader: 'CF-IPCountry', loadDatabase: db.load });
    expect(geo.countryFor('203.0.114.1', { 'cf-ipcountry': 'DE' })).toBe('DE');
    expect(geo.countryFor('203.0.114.1', { 'cf-ipcountry': ['fr'] })).toBe('FR');
    for (const junk of ['XX', 'T1', 'EU', 'D', 'DEU', '1A', '', '<script>']) {
      expect(geo.countryFor('203.0.114.1', { 'cf-ipcountry': junk })).toBe('NL');
    }
  });

  it('ignores country headers unless configured, so clients cannot pick their country', () => {
    const db = fakeDatabase({ '203.0.114.1': 'NL' });
    const geo = createGeoLocator({ loadDatabase: db.load });
    expect(geo.countryFor('203.0.114.1', { 'cf-ipcountry': 'DE' })).toBe('NL');
  });

  it('degrades to no country, and reports once, when the database cannot be opened', () => {
    const errors: unknown[] = [];
    const geo = createGeoLocator({
      loadDatabase: () => {
        throw new Error('data file missing');
      },
      onLoadError: (error) => errors.push(error),
    });
    expect(geo.countryFor('8.8.8.8', {})).toBe('');
    expect(geo.countryFor('8.8.4.4', {})).toBe('');
    expect(errors).toHaveLength(1);
  });

  it('never throws, whatever the input', () => {
    const geo = createGeoLocator({ countryHeader: 'cf-ipcountry' });
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ unit: 'binary', maxLength: 80 })),
        fc.oneof(fc.constant({}), fc.record({ 'cf-ipcountry': fc.oneof(fc.string(), fc.array(fc.string())) })),
        (ip, headers) => {
          expect(geo.countryFor(ip, headers)).toMatch(/^(?:[A-Z]{2})?$/);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('normaliseIp', () => {
  it('unwraps brackets, zone ids and IPv4 carried inside IPv6', () => {
    expect(normaliseIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(normaliseIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normaliseIp('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normaliseIp('::FFFF:c000:201')).toBe('192.0.2.1');
    expect(normaliseIp('0:0:0:0:0:ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normaliseIp('64:ff9b::8.8.8.8')).toBe('8.8.8.8');
    expect(normaliseIp(' 8.8.8.8 ')).toBe('8.8.8.8');
    expect(normaliseIp('8.8.8.8:443')).toBe('');
  });
});

describe('dottedQuadNumber', () => {
  it('accepts exactly what node:net accepts as IPv4, with its numeric value', () => {
    const nearIp = fc.stringMatching(/^[0-9.]{0,16}$/);
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV4Extended(), nearIp, fc.string({ maxLength: 16 })), (text) => {
        const value = dottedQuadNumber(text);
        expect(value !== -1).toBe(isIPv4(text));
        if (value !== -1) {
          const parts = text.split('.').map(Number);
          expect(value).toBe(
            (((parts[0] ?? 0) * 256 + (parts[1] ?? 0)) * 256 + (parts[2] ?? 0)) * 256 + (parts[3] ?? 0),
          );
        }
      }),
      { numRuns: 3000 },
    );
    for (const text of [
      '0.0.0.0',
      '255.255.255.255',
      '1.2.3.04',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.',
      ' 1.2.3.4',
      '1..2.3',
    ]) {
      expect(dottedQuadNumber(text) !== -1, text).toBe(isIPv4(text));
    }
  });
});
