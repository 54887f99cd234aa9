import { type Random, randomInt, weightedPicker } from './random.js';

/**
 * Where generated visitors come from. Each country lists /16 blocks inside real allocations of its large consumer
 * ISPs (Comcast, Deutsche Telekom, BT, Orange, BSNL, NTT, Telstra, …), checked address by address against the offline
 * geo database that ingestion uses, so the demo's country report resolves instead of showing "unknown".
 * Using real public addresses is fine here: the pipeline hashes IPs into a daily visitor id and never stores them.
 */
export interface CountryProfile {
  /** ISO-3166 alpha-2, as the geo database reports it. */
  code: string;
  /** Relative share of visitors. */
  weight: number;
  /** First two octets of /16 blocks wholly allocated to this country. */
  ipBlocks: readonly string[];
  /** BCP 47 tags with relative weights, as `navigator.language` reports them. */
  languages: readonly { tag: string; weight: number }[];
  /** IANA zones with their standard UTC offset in minutes (the offset only shapes the visitor's daily rhythm). */
  timezones: readonly { zone: string; offsetMinutes: number; weight: number }[];
}

function only(tag: string): { tag: string; weight: number }[] {
  return [{ tag, weight: 1 }];
}

/** Developers browse in English more often than their neighbours do. */
function withEnglish(tag: string, localShare = 0.7): { tag: string; weight: number }[] {
  return [
    { tag, weight: localShare },
    { tag: 'en-US', weight: (1 - localShare) * 0.7 },
    { tag: 'en-GB', weight: (1 - localShare) * 0.3 },
  ];
}

function zone(name: string, offsetMinutes: number, weight = 1) {
  return { zone: name, offsetMinutes, weight };
}

export const COUNTRIES: readonly CountryProfile[] = [
  {
    code: 'US',
    weight: 30,
    ipBlocks: ['24.0', '73.0', '98.200', '71.100', '68.40'],
    languages: [
      { tag: 'en-US', weight: 92 },
      { tag: 'es-US', weight: 4 },
      { tag: 'en', weight: 4 },
    ],
    timezones: [
      zone('America/New_York', -300, 42),
      zone('America/Chicago', -360, 26),
      zone('America/Denver', -420, 8),
      zone('America/Phoenix', -420, 3),
      zone('America/Los_Angeles', -480, 21),
    ],
  },
  {
    code: 'DE',
    weight: 8,
    ipBlocks: ['79.192', '87.128', '91.40'],
    languages: withEnglish('de-DE', 0.75),
    timezones: [zone('Europe/Berlin', 60)],
  },
  {
    code: 'GB',
    weight: 7,
    ipBlocks: ['86.128', '81.100', '2.96'],
    languages: [
      { tag: 'en-GB', weight: 85 },
      { tag: 'en-US', weight: 15 },
    ],
    timezones: [zone('Europe/London', 0)],
  },
  {
    code: 'IN',
    weight: 7,
    ipBlocks: ['117.192', '49.36', '106.200'],
    languages: [
      { tag: 'en-IN', weight: 60 },
      { tag: 'en-US', weight: 30 },
      { tag: 'hi-IN', weight: 10 },
    ],
    timezones: [zone('Asia/Kolkata', 330)],
  },
  {
    code: 'FR',
    weight: 4,
    ipBlocks: ['90.0', '88.170', '78.192'],
    languages: withEnglish('fr-FR', 0.8),
    timezones: [zone('Europe/Paris', 60)],
  },
  {
    code: 'CA',
    weight: 4,
    ipBlocks: ['99.224', '174.88', '70.48'],
    languages: [
      { tag: 'en-CA', weight: 65 },
      { tag: 'en-US', weight: 15 },
      { tag: 'fr-CA', weight: 20 },
    ],
    timezones: [
      zone('America/Toronto', -300, 55),
      zone('America/Vancouver', -480, 20),
      zone('America/Edmonton', -420, 15),
      zone('America/Halifax', -240, 10),
    ],
  },
  {
    code: 'NL',
    weight: 3,
    ipBlocks: ['84.24', '77.160', '83.80'],
    languages: withEnglish('nl-NL', 0.55),
    timezones: [zone('Europe/Amsterdam', 60)],
  },
  {
    code: 'BR',
    weight: 3,
    ipBlocks: ['177.100', '187.10', '189.20'],
    languages: withEnglish('pt-BR', 0.85),
    timezones: [zone('America/Sao_Paulo', -180, 85), zone('America/Manaus', -240, 15)],
  },
  {
    code: 'JP',
    weight: 2.5,
    ipBlocks: ['126.0', '153.200', '114.150'],
    languages: withEnglish('ja', 0.85),
    timezones: [zone('Asia/Tokyo', 540)],
  },
  {
    code: 'AU',
    weight: 2.5,
    ipBlocks: ['1.120', '101.160', '49.176'],
    languages: [
      { tag: 'en-AU', weight: 80 },
      { tag: 'en-US', weight: 20 },
    ],
    timezones: [
      zone('Australia/Sydney', 600, 45),
      zone('Australia/Melbourne', 600, 30),
      zone('Australia/Brisbane', 600, 15),
      zone('Australia/Perth', 480, 10),
    ],
  },
  {
    code: 'ES',
    weight: 2,
    ipBlocks: ['83.32', '88.0'],
    languages: withEnglish('es-ES', 0.8),
    timezones: [zone('Europe/Madrid', 60)],
  },
  {
    code: 'IT',
    weight: 2,
    ipBlocks: ['79.20', '151.20', '93.40'],
    languages: withEnglish('it-IT', 0.8),
    timezones: [zone('Europe/Rome', 60)],
  },
  {
    code: 'PL',
    weight: 2,
    ipBlocks: ['83.0', '89.64'],
    languages: withEnglish('pl-PL', 0.75),
    timezones: [zone('Europe/Warsaw', 60)],
  },
  {
    code: 'SE',
    weight: 1.5,
    ipBlocks: ['90.224', '78.64'],
    languages: withEnglish('sv-SE', 0.6),
    timezones: [zone('Europe/Stockholm', 60)],
  },
  {
    code: 'CH',
    weight: 1.2,
    ipBlocks: ['178.192', '85.0'],
    languages: [...withEnglish('de-CH', 0.5), { tag: 'fr-CH', weight: 0.2 }],
    timezones: [zone('Europe/Zurich', 60)],
  },
  {
    code: 'MX',
    weight: 1.2,
    ipBlocks: ['187.128', '189.128'],
    languages: withEnglish('es-MX', 0.85),
    timezones: [zone('America/Mexico_City', -360)],
  },
  {
    code: 'KR',
    weight: 1,
    ipBlocks: ['175.192', '121.128'],
    languages: withEnglish('ko-KR', 0.85),
    timezones: [zone('Asia/Seoul', 540)],
  },
  {
    code: 'SG',
    weight: 1,
    ipBlocks: ['116.14', '42.60'],
    languages: only('en-SG'),
    timezones: [zone('Asia/Singapore', 480)],
  },
  {
    code: 'ID',
    weight: 1,
    ipBlocks: ['36.64', '110.136'],
    languages: withEnglish('id-ID', 0.7),
    timezones: [zone('Asia/Jakarta', 420)],
  },
  {
    code: 'ZA',
    weight: 0.8,
    ipBlocks: ['41.0', '197.80'],
    languages: only('en-ZA'),
    timezones: [zone('Africa/Johannesburg', 120)],
  },
  {
    code: 'AR',
    weight: 0.8,
    ipBlocks: ['181.0', '190.190'],
    languages: withEnglish('es-AR', 0.85),
    timezones: [zone('America/Argentina/Buenos_Aires', -180)],
  },
  {
    code: 'TR',
    weight: 1,
    ipBlocks: ['88.224', '78.160'],
    languages: withEnglish('tr-TR', 0.8),
    timezones: [zone('Europe/Istanbul', 180)],
  },
  {
    code: 'BE',
    weight: 1,
    ipBlocks: ['81.240', '109.128'],
    languages: [...withEnglish('nl-BE', 0.45), { tag: 'fr-BE', weight: 0.3 }],
    timezones: [zone('Europe/Brussels', 60)],
  },
  {
    code: 'AT',
    weight: 1,
    ipBlocks: ['84.112', '80.108'],
    languages: withEnglish('de-AT', 0.75),
    timezones: [zone('Europe/Vienna', 60)],
  },
  {
    code: 'IE',
    weight: 0.8,
    ipBlocks: ['86.40', '89.100'],
    languages: only('en-IE'),
    timezones: [zone('Europe/Dublin', 0)],
  },
  {
    code: 'DK',
    weight: 0.8,
    ipBlocks: ['87.48', '80.62'],
    languages: withEnglish('da-DK', 0.6),
    timezones: [zone('Europe/Copenhagen', 60)],
  },
  {
    code: 'FI',
    weight: 0.6,
    ipBlocks: ['84.248', '91.152'],
    languages: withEnglish('fi-FI', 0.6),
    timezones: [zone('Europe/Helsinki', 120)],
  },
  {
    code: 'NO',
    weight: 0.6,
    ipBlocks: ['84.208', '46.9'],
    languages: withEnglish('nb-NO', 0.6),
    timezones: [zone('Europe/Oslo', 60)],
  },
  {
    code: 'PT',
    weight: 0.8,
    ipBlocks: ['85.240', '89.152'],
    languages: withEnglish('pt-PT', 0.75),
    timezones: [zone('Europe/Lisbon', 0)],
  },
  {
    code: 'UA',
    weight: 1,
    ipBlocks: ['178.150', '46.200'],
    languages: [...withEnglish('uk-UA', 0.6), { tag: 'ru-RU', weight: 0.15 }],
    timezones: [zone('Europe/Kyiv', 120)],
  },
];

/** A visitor's place: country, an address in it, language and time zone. */
export interface VisitorLocale {
  country: string;
  ip: string;
  language: string;
  timezone: string;
  offsetMinutes: number;
}

const pickCountry = weightedPicker(COUNTRIES.map((country) => ({ value: country, weight: country.weight })));
const languagePickers = new Map(
  COUNTRIES.map((country) => [
    country.code,
    weightedPicker(country.languages.map((l) => ({ value: l.tag, weight: l.weight }))),
  ]),
);
const zonePickers = new Map(
  COUNTRIES.map((country) => [
    country.code,
    weightedPicker(country.timezones.map((z) => ({ value: z, weight: z.weight }))),
  ]),
);

/** A random address inside one of the country's blocks; never a network (.0) or broadcast (.255) host. */
export function publicIpIn(random: Random, country: CountryProfile): string {
  const block = country.ipBlocks[Math.floor(random() * country.ipBlocks.length)] ?? country.ipBlocks[0];
  return `${block}.${randomInt(random, 0, 255)}.${randomInt(random, 1, 254)}`;
}

const countryByCode = new Map(COUNTRIES.map((country) => [country.code, country]));

/** Another address in the same country (a returning visitor on a different network); any country if unknown. */
export function publicIpInCountry(random: Random, code: string): string {
  const country = countryByCode.get(code);
  return country ? publicIpIn(random, country) : randomPublicIp(random);
}

/** A random public IPv4 address from the country mix (what the ingestion bench sends as X-Forwarded-For). */
export function randomPublicIp(random: Random): string {
  return publicIpIn(random, pickCountry(random));
}

export function randomVisitorLocale(random: Random): VisitorLocale {
  const country = pickCountry(random);
  const language = languagePickers.get(country.code)?.(random) ?? 'en-US';
  const tz = zonePickers.get(country.code)?.(random) ?? { zone: 'UTC', offsetMinutes: 0 };
  return {
    country: country.code,
    ip: publicIpIn(random, country),
    language,
    timezone: tz.zone,
    offsetMinutes: tz.offsetMinutes,
  };
}

/** `Accept-Language` header a browser with this UI language sends. */
export function acceptLanguageFor(language: string): string {
  const base = language.split('-')[0] ?? language;
  if (base === language) return base === 'en' ? 'en' : `${base},en;q=0.8`;
  if (base === 'en') return `${language},en;q=0.9`;
  return `${language},${base};q=0.9,en-US;q=0.8,en;q=0.7`;
}
