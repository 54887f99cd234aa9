import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSpamReferrerList, loadShippedSpamReferrers, parseSpamReferrerFile } from './spam.js';

describe('createSpamReferrerList', () => {
  const shipped = createSpamReferrerList();

  it('ships a list of a few hundred referrer-spam domains', () => {
    expect(shipped.size).toBeGreaterThanOrEqual(250);
    for (const domain of [
      'semalt.com',
      'buttons-for-website.com',
      'darodar.com',
      'ilovevitaly.com',
      'ilovevitaly.ru',
      'priceg.com',
      'best-seo-offer.com',
    ]) {
      expect(shipped.isSpam(domain)).toBe(true);
    }
  });

  it('catches subdomains, www., upper case and a trailing dot', () => {
    expect(shipped.isSpam('semalt.semalt.com')).toBe(true);
    expect(shipped.isSpam('forum.darodar.com')).toBe(true);
    expect(shipped.isSpam('www.Buttons-For-Website.com.')).toBe(true);
  });

  it('lets real sites through, including ones that merely end in a spam domain’s name', () => {
    for (const domain of ['google.com', 'news.ycombinator.com', 'notsemalt.com', 'semalt.com.example.org', 'com', '']) {
      expect(shipped.isSpam(domain)).toBe(false);
    }
  });

  it('holds only well-formed domain names', () => {
    for (const domain of loadShippedSpamReferrers()) {
      expect(domain).toMatch(/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}$/);
    }
  });

  it('can be built from any list, e.g. an operator’s own', () => {
    const list = createSpamReferrerList(['Spam.Example', '  ', 'www.junk.test']);
    expect(list.size).toBe(2);
    expect(list.isSpam('a.b.spam.example')).toBe(true);
    expect(list.isSpam('junk.test')).toBe(true);
    expect(list.isSpam('example')).toBe(false);
  });

  it('never throws on odd input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (domain) => {
        expect(typeof shipped.isSpam(domain)).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseSpamReferrerFile', () => {
  it('skips comments and blank lines', () => {
    expect(parseSpamReferrerFile('# header\n\nspam.example # trailing comment\r\n  other.test  \n#x.test\n')).toEqual([
      'spam.example',
      'other.test',
    ]);
  });
});
