import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelFor } from '../../domain/channel.js';
import { LIMITS } from '../../domain/event.js';
import { createReferrerClassifier } from './referrer.js';

const classify = createReferrerClassifier();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Long strings made by repeating a short random one: cheap to generate, still past every cap. */
const longString = fc
  .tuple(fc.string({ unit: codeUnit, minLength: 1, maxLength: 16 }), fc.integer({ min: 300, max: 1200 }))
  .map(([chunk, times]) => chunk.repeat(times));

describe('createReferrerClassifier', () => {
  const known: Array<[string, string, string, string]> = [
    // referrer, expected domain, source, channel (no UTM tags)
    ['https://www.google.com/', 'google.com', 'Google', 'Organic Search'],
    ['https://www.google.co.uk/search?q=analytics', 'google.co.uk', 'Google', 'Organic Search'],
    ['https://www.bing.com/search?q=x', 'bing.com', 'Bing', 'Organic Search'],
    ['https://duckduckgo.com/', 'duckduckgo.com', 'DuckDuckGo', 'Organic Search'],
    ['https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com', 'l.facebook.com', 'Facebook', 'Organic Social'],
    ['https://t.co/AbCdEf', 't.co', 'Twitter', 'Organic Social'],
    ['https://old.reddit.com/r/selfhosted/', 'old.reddit.com', 'Reddit', 'Organic Social'],
    ['https://news.ycombinator.com/item?id=123', 'news.ycombinator.com', 'Hacker News', 'Organic Social'],
    ['https://github.com/sightline/sightline', 'github.com', 'GitHub', 'Organic Social'],
    ['https://www.youtube.com/watch?v=x', 'youtube.com', 'YouTube', 'Organic Video'],
    ['https://www.amazon.de/dp/123', 'amazon.de', 'Amazon', 'Organic Shopping'],
    ['https://mail.google.com/mail/u/0/', 'mail.google.com', 'Gmail', 'Email'],
    ['android-app://com.google.android.gm', 'com.google.android.gm', 'Gmail', 'Email'],
    [
      'android-app://com.google.android.googlequicksearchbox/https/www.google.com',
      'com.google.android.googlequicksearchbox',
      'Google',
      'Organic Search',
    ],
    ['android-app://com.reddit.frontpage', 'com.reddit.frontpage', 'Reddit', 'Organic Social'],
    ['https://chatgpt.com/', 'chatgpt.com', 'ChatGPT', 'Referral'],
    ['https://www.perplexity.ai/search/abc', 'perplexity.ai', 'Perplexity', 'Referral'],
    ['https://blog.example.org/2024/post', 'blog.example.org', 'blog.example.org', 'Referral'],
  ];

  for (const [referrer, domain, source, channel] of known) {
    it(`${referrer} → ${source} / ${channel}`, () => {
      const info = classify(referrer, 'example.com');
      expect(info.referrerDomain).toBe(domain);
      expect(info.referrerSource).toBe(source);
      expect(info.internal).toBe(false);
      expect(
        channelFor({
          referrerSource: info.referrerSource,
          referrerKind: info.referrerKind,
          utmSource: '',
          utmMedium: '',
          utmCampaign: '',
          clickIdParam: '',
        }),
      ).toBe(channel);
    });
  }

  it('treats links between the site’s own pages as internal, ignoring www. and case', () => {
    for (const referrer of [
      'https://example.com/pricing',
      'https://WWW.Example.com./',
      'http://www.example.com:8080/x',
    ]) {
      expect(classify(referrer, 'www.example.com')).toEqual({
        referrer: '',
        referrerDomain: '',
        referrerSource: '',
        referrerKind: '',
        internal: true,
      });
    }
    // A subdomain is another site as far as referrers go.
    expect(classify('https://docs.example.com/', 'example.com').internal).toBe(false);
  });

  it('drops the query and fragment from the stored referrer (search terms, tokens, e-mail addresses)', () => {
    expect(classify('https://search.example.net/results?q=jane%40example.com#top', 'example.com').referrer).toBe(
      'https://search.example.net/results',
    );
  });

  it('accepts a bare domain, as some importers send it', () => {
    expect(classify('news.ycombinator.com', 'example.com').referrerSource).toBe('Hacker News');
  });

  it('returns empty fields for absent or unusable referrers', () => {
    for (const referrer of [
      '',
      '   ',
      'not a url',
      'about:blank',
      'chrome://newtab/',
      'javascript:alert(1)',
      'file:///etc/passwd',
    ]) {
      expect(classify(referrer, 'example.com')).toMatchObject({
        referrer: '',
        referrerDomain: '',
        referrerSource: '',
        referrerKind: '',
        internal: false,
      });
    }
  });

  it('can be given its own database', () => {
    const custom = createReferrerClassifier({
      database: { 'search.example': { source: 'Example Search', medium: 'search' } },
    });
    expect(custom('https://eu.search.example/q', 'mysite.com')).toMatchObject({
      referrerSource: 'Example Search',
      referrerKind: 'search',
    });
  });

  it('never throws and always respects the caps, whatever the input', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: codeUnit, maxLength: 300 }),
      fc
        .tuple(
          fc.constantFrom('https://', 'http://', 'android-app://', 'HTTPS://www.', ''),
          fc.oneof(fc.domain(), fc.string({ unit: codeUnit, maxLength: 300 })),
          fc.oneof(fc.string({ unit: codeUnit, maxLength: 100 }), longString),
        )
        .map(([scheme, host, rest]) => `${scheme}${host}/${rest}`),
    );
    fc.assert(
      fc.property(hostile, fc.oneof(fc.domain(), fc.string({ unit: codeUnit })), (referrer, pageHost) => {
        const info = classify(referrer, pageHost);
        expect(info.referrer.length).toBeLessThanOrEqual(LIMITS.referrer);
        expect(info.referrerDomain.length).toBeLessThanOrEqual(LIMITS.hostname);
        expect(info.referrerSource.length).toBeLessThanOrEqual(LIMITS.hostname);
        expect(info.referrerDomain.startsWith('www.')).toBe(false);
        for (const value of [info.referrer, info.referrerDomain, info.referrerSource])
          expect(LONE_SURROGATE.test(value)).toBe(false);
        if (info.internal) expect(info.referrerSource).toBe('');
      }),
      { numRuns: 200 },
    );
  });
});
