import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  type Channel,
  type ChannelInput,
  channelFor,
  kindOfSourceName,
  type ReferrerKind,
} from './channel.js';

const none: ChannelInput = {
  referrerSource: '',
  referrerKind: '',
  utmSource: '',
  utmMedium: '',
  utmCampaign: '',
  clickIdParam: '',
};
const visit = (overrides: Partial<ChannelInput>): ChannelInput => ({ ...none, ...overrides });

describe('channelFor', () => {
  const cases: Array<[string, Partial<ChannelInput>, Channel]> = [
    ['no referrer, no tags', {}, 'Direct'],
    ['utm_source=(direct)', { utmSource: '(direct)', utmMedium: '(none)' }, 'Direct'],
    ['Google search result', { referrerSource: 'Google', referrerKind: 'search' }, 'Organic Search'],
    ['DuckDuckGo', { referrerSource: 'DuckDuckGo', referrerKind: 'search' }, 'Organic Search'],
    ['utm_medium=organic', { utmSource: 'some-engine', utmMedium: 'organic' }, 'Organic Search'],
    [
      'Google Ads via gclid',
      { referrerSource: 'Google', referrerKind: 'search', clickIdParam: 'gclid' },
      'Paid Search',
    ],
    ['gclid without a referrer (stripped by the browser)', { clickIdParam: 'gclid' }, 'Paid Search'],
    [
      'Bing Ads via msclkid',
      { referrerSource: 'Bing', referrerKind: 'search', clickIdParam: 'msclkid' },
      'Paid Search',
    ],
    ['utm google / cpc', { utmSource: 'google', utmMedium: 'cpc' }, 'Paid Search'],
    ['Facebook post', { referrerSource: 'Facebook', referrerKind: 'social' }, 'Organic Social'],
    ['fbclid is added to organic clicks too', { clickIdParam: 'fbclid' }, 'Organic Social'],
    ['Hacker News', { referrerSource: 'Hacker News', referrerKind: 'social' }, 'Organic Social'],
    ['utm_medium=social', { utmSource: 'mastodon.example', utmMedium: 'social' }, 'Organic Social'],
    ['utm facebook / paid_social', { utmSource: 'facebook', utmMedium: 'paid_social' }, 'Paid Social'],
    [
      'utm fb / cpc, referrer Instagram',
      { utmSource: 'fb', utmMedium: 'cpc', referrerSource: 'Instagram', referrerKind: 'social' },
      'Paid Social',
    ],
    ['TikTok ads click id', { clickIdParam: 'ttclid' }, 'Paid Social'],
    [
      'LinkedIn ads click id',
      { referrerSource: 'LinkedIn', referrerKind: 'social', clickIdParam: 'li_fat_id' },
      'Paid Social',
    ],
    ['YouTube', { referrerSource: 'YouTube', referrerKind: 'video' }, 'Organic Video'],
    ['YouTube ads', { utmSource: 'youtube', utmMedium: 'cpv' }, 'Paid Video'],
    ['utm_medium=video', { utmSource: 'partner', utmMedium: 'video' }, 'Organic Video'],
    ['Amazon', { referrerSource: 'Amazon', referrerKind: 'shopping' }, 'Organic Shopping'],
    [
      'shopping campaign, paid',
      { utmSource: 'partner', utmMedium: 'cpc', utmCampaign: 'summer-shopping' },
      'Paid Shopping',
    ],
    ['utm amazon / ppc', { utmSource: 'amazon', utmMedium: 'ppc' }, 'Paid Shopping'],
    ['newsletter', { utmSource: 'newsletter', utmMedium: 'email' }, 'Email'],
    ['utm_medium=e-mail', { utmSource: 'acme-weekly', utmMedium: 'e-mail' }, 'Email'],
    ['Gmail web client referrer', { referrerSource: 'Gmail', referrerKind: 'email' }, 'Email'],
    ['display banner', { utmSource: 'adnetwork', utmMedium: 'banner' }, 'Display'],
    ['cpm on an unknown network', { utmSource: 'adnetwork', utmMedium: 'cpm' }, 'Display'],
    ['ad-network referrer', { referrerSource: 'Doubleclick', referrerKind: 'ads' }, 'Display'],
    ['paid on an unknown source', { utmSource: 'partner', utmMedium: 'paid' }, 'Paid Other'],
    [
      'cross-network campaign',
      { utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'pmax-cross-network' },
      'Cross-network',
    ],
    ['affiliate', { utmSource: 'partner', utmMedium: 'affiliate' }, 'Affiliates'],
    ['podcast', { utmSource: 'spotify', utmMedium: 'audio' }, 'Audio'],
    ['sms', { utmSource: 'sms', utmMedium: '' }, 'SMS'],
    ['push', { utmSource: 'firebase', utmMedium: 'web-push' }, 'Mobile Push Notifications'],
    ['unknown site linking to us', { referrerSource: 'blog.example.org', referrerKind: 'unknown' }, 'Referral'],
    ['utm_medium=referral', { utmSource: 'partner', utmMedium: 'referral' }, 'Referral'],
    ['ChatGPT (no AI channel in GA4)', { referrerSource: 'ChatGPT', referrerKind: 'unknown' }, 'Referral'],
    ['tagged but unclassifiable', { utmSource: 'flyer' }, 'Referral'],
    [
      'utm source names a site even when the referrer is another',
      { utmSource: 'Google', referrerSource: 'Facebook', referrerKind: 'social' },
      'Organic Search',
    ],
  ];

  for (const [name, input, channel] of cases) {
    it(`${name} → ${channel}`, () => {
      expect(channelFor(visit(input))).toBe(channel);
    });
  }

  it('ignores case and surrounding spaces, like GA4', () => {
    expect(channelFor(visit({ utmSource: ' Google ', utmMedium: 'CPC' }))).toBe('Paid Search');
    expect(channelFor(visit({ utmSource: 'Newsletter', utmMedium: 'EMAIL' }))).toBe('Email');
  });

  it('always returns one of the listed channels, for any input', () => {
    const kinds: Array<ReferrerKind | ''> = ['', 'search', 'social', 'video', 'shopping', 'email', 'ads', 'unknown'];
    fc.assert(
      fc.property(
        fc.record({
          referrerSource: fc.string(),
          referrerKind: fc.constantFrom(...kinds),
          utmSource: fc.string({ unit: 'binary' }),
          utmMedium: fc.oneof(fc.string(), fc.constantFrom('cpc', 'email', 'social', 'organic', 'display')),
          utmCampaign: fc.string(),
          clickIdParam: fc.oneof(fc.string(), fc.constantFrom('gclid', 'fbclid', 'ttclid', 'dclid')),
        }),
        (input) => {
          expect(CHANNELS).toContain(channelFor(input));
        },
      ),
    );
  });
});

describe('kindOfSourceName', () => {
  it('recognises sites by name, domain or subdomain', () => {
    expect(kindOfSourceName('facebook')).toBe('social');
    expect(kindOfSourceName('l.facebook.com')).toBe('social');
    expect(kindOfSourceName('www.google.co.uk')).toBe('search');
    expect(kindOfSourceName('YouTube')).toBe('video');
    expect(kindOfSourceName('my-blog.example')).toBeUndefined();
    expect(kindOfSourceName('')).toBeUndefined();
  });
});
