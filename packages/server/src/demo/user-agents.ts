/**
 * Real user-agent strings as current browsers send them (late 2025 releases), with shares typical of a developer-tool
 * website: desktop-heavy, Chrome-led, iOS Safari the largest mobile browser. Strings are verbatim formats, including
 * the frozen parts real browsers ship (Chrome's reduced "Android 10; K", macOS frozen at 10_15_7, Safari 26 on iOS
 * reporting "iPhone OS 18_6"), so the parser sees what it will see in production.
 */

export type Device = 'desktop' | 'mobile' | 'tablet';

/** Which screen-size table fits the hardware behind a user agent. */
export type ScreenFamily =
  | 'windows'
  | 'mac'
  | 'linux'
  | 'chromeos'
  | 'iphone'
  | 'android-phone'
  | 'ipad'
  | 'android-tablet';

export interface UserAgentProfile {
  userAgent: string;
  /** Relative share of visitors (percent-ish; only ratios matter). */
  weight: number;
  device: Device;
  screens: ScreenFamily;
}

const WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)';
const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)';
const LINUX = 'Mozilla/5.0 (X11; Linux x86_64)';
const BLINK = 'AppleWebKit/537.36 (KHTML, like Gecko)';
const WEBKIT = 'AppleWebKit/605.1.15 (KHTML, like Gecko)';

function desktop(userAgent: string, weight: number, screens: ScreenFamily): UserAgentProfile {
  return { userAgent, weight, device: 'desktop', screens };
}
function phone(userAgent: string, weight: number, screens: ScreenFamily): UserAgentProfile {
  return { userAgent, weight, device: 'mobile', screens };
}
function tablet(userAgent: string, weight: number, screens: ScreenFamily): UserAgentProfile {
  return { userAgent, weight, device: 'tablet', screens };
}

export const REAL_USER_AGENTS: readonly UserAgentProfile[] = [
  // Windows (~32%)
  desktop(`${WIN} ${BLINK} Chrome/142.0.0.0 Safari/537.36`, 9, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/141.0.0.0 Safari/537.36`, 6.5, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/140.0.0.0 Safari/537.36`, 3.5, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/139.0.0.0 Safari/537.36`, 1.5, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/138.0.0.0 Safari/537.36`, 0.8, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0`, 3.5, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0`, 2, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0`, 0.7, 'windows'),
  desktop('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0', 1.6, 'windows'),
  desktop('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:144.0) Gecko/20100101 Firefox/144.0', 1.1, 'windows'),
  desktop('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0', 0.5, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/141.0.0.0 Safari/537.36 OPR/124.0.0.0`, 0.6, 'windows'),
  desktop(`${WIN} ${BLINK} Chrome/140.0.0.0 YaBrowser/25.10.0.0 Safari/537.36`, 0.2, 'windows'),
  // macOS (~19%)
  desktop(`${MAC} ${BLINK} Chrome/142.0.0.0 Safari/537.36`, 5, 'mac'),
  desktop(`${MAC} ${BLINK} Chrome/141.0.0.0 Safari/537.36`, 3.2, 'mac'),
  desktop(`${MAC} ${BLINK} Chrome/140.0.0.0 Safari/537.36`, 1.3, 'mac'),
  desktop(`${MAC} ${WEBKIT} Version/26.1 Safari/605.1.15`, 2.8, 'mac'),
  desktop(`${MAC} ${WEBKIT} Version/26.0.1 Safari/605.1.15`, 1.6, 'mac'),
  desktop(`${MAC} ${WEBKIT} Version/18.6 Safari/605.1.15`, 1.4, 'mac'),
  desktop(`${MAC} ${WEBKIT} Version/18.5 Safari/605.1.15`, 0.6, 'mac'),
  desktop('Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:145.0) Gecko/20100101 Firefox/145.0', 1.1, 'mac'),
  desktop('Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:144.0) Gecko/20100101 Firefox/144.0', 0.6, 'mac'),
  desktop(`${MAC} ${BLINK} Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0`, 0.7, 'mac'),
  desktop(`${MAC} ${BLINK} Chrome/141.0.0.0 Safari/537.36 OPR/124.0.0.0`, 0.3, 'mac'),
  // Linux and ChromeOS (~6%)
  desktop(`${LINUX} ${BLINK} Chrome/142.0.0.0 Safari/537.36`, 1.8, 'linux'),
  desktop(`${LINUX} ${BLINK} Chrome/141.0.0.0 Safari/537.36`, 1.1, 'linux'),
  desktop('Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0', 0.9, 'linux'),
  desktop('Mozilla/5.0 (X11; Linux x86_64; rv:144.0) Gecko/20100101 Firefox/144.0', 0.7, 'linux'),
  desktop('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0', 0.4, 'linux'),
  desktop(`${LINUX} ${BLINK} Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0`, 0.2, 'linux'),
  desktop(`Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) ${BLINK} Chrome/142.0.0.0 Safari/537.36`, 0.5, 'chromeos'),
  desktop(`Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) ${BLINK} Chrome/141.0.0.0 Safari/537.36`, 0.3, 'chromeos'),
  // iPhone (~20%)
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) ${WEBKIT} Version/26.1 Mobile/15E148 Safari/604.1`,
    5.5,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) ${WEBKIT} Version/26.0.1 Mobile/15E148 Safari/604.1`,
    3,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6_2 like Mac OS X) ${WEBKIT} Version/18.6 Mobile/15E148 Safari/604.1`,
    3.5,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) ${WEBKIT} Version/18.5 Mobile/15E148 Safari/604.1`,
    1.6,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) ${WEBKIT} Version/17.7 Mobile/15E148 Safari/604.1`,
    1,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_12 like Mac OS X) ${WEBKIT} Version/16.6 Mobile/15E148 Safari/604.1`,
    0.4,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) ${WEBKIT} CriOS/142.0.7444.77 Mobile/15E148 Safari/604.1`,
    1.8,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) ${WEBKIT} CriOS/141.0.7390.96 Mobile/15E148 Safari/604.1`,
    0.9,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) ${WEBKIT} FxiOS/145.0 Mobile/15E148 Safari/605.1.15`,
    0.4,
    'iphone',
  ),
  phone(
    `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) ${WEBKIT} Version/26.0 EdgiOS/142.3595.66 Mobile/15E148 Safari/605.1.15`,
    0.3,
    'iphone',
  ),
  // Android phones (~18%)
  phone(`Mozilla/5.0 (Linux; Android 10; K) ${BLINK} Chrome/142.0.0.0 Mobile Safari/537.36`, 7, 'android-phone'),
  phone(`Mozilla/5.0 (Linux; Android 10; K) ${BLINK} Chrome/141.0.0.0 Mobile Safari/537.36`, 4, 'android-phone'),
  phone(`Mozilla/5.0 (Linux; Android 10; K) ${BLINK} Chrome/140.0.0.0 Mobile Safari/537.36`, 1.5, 'android-phone'),
  phone(`Mozilla/5.0 (Linux; Android 10; K) ${BLINK} Chrome/139.0.0.0 Mobile Safari/537.36`, 0.6, 'android-phone'),
  phone(
    `Mozilla/5.0 (Linux; Android 10; K) ${BLINK} SamsungBrowser/29.0 Chrome/136.0.0.0 Mobile Safari/537.36`,
    1.8,
    'android-phone',
  ),
  phone(
    `Mozilla/5.0 (Linux; Android 10; K) ${BLINK} SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36`,
    1,
    'android-phone',
  ),
  phone(
    `Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) ${BLINK} SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36`,
    0.4,
    'android-phone',
  ),
  phone('Mozilla/5.0 (Android 15; Mobile; rv:145.0) Gecko/145.0 Firefox/145.0', 0.6, 'android-phone'),
  phone('Mozilla/5.0 (Android 14; Mobile; rv:144.0) Gecko/144.0 Firefox/144.0', 0.3, 'android-phone'),
  phone(
    `Mozilla/5.0 (Linux; Android 10; K) ${BLINK} Chrome/142.0.0.0 Mobile Safari/537.36 EdgA/142.0.0.0`,
    0.3,
    'android-phone',
  ),
  phone(
    `Mozilla/5.0 (Linux; Android 10; K) ${BLINK} Chrome/141.0.0.0 Mobile Safari/537.36 OPR/92.0.0.0`,
    0.2,
    'android-phone',
  ),
  phone(
    `Mozilla/5.0 (Linux; Android 10; K) ${BLINK} Chrome/140.0.0.0 Mobile Safari/537.36 DuckDuckGo/5`,
    0.2,
    'android-phone',
  ),
  // Tablets (~3%); most iPads announce themselves as a Mac and count as desktop, as they do in production.
  tablet(
    `Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) ${WEBKIT} Version/26.1 Mobile/15E148 Safari/604.1`,
    0.8,
    'ipad',
  ),
  tablet(
    `Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) ${WEBKIT} Version/18.6 Mobile/15E148 Safari/604.1`,
    0.5,
    'ipad',
  ),
  tablet(
    `Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) ${WEBKIT} Version/17.7 Mobile/15E148 Safari/604.1`,
    0.3,
    'ipad',
  ),
  tablet(
    `Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) ${WEBKIT} CriOS/142.0.7444.77 Mobile/15E148 Safari/604.1`,
    0.3,
    'ipad',
  ),
  tablet(`Mozilla/5.0 (Linux; Android 14; SM-X710) ${BLINK} Chrome/142.0.0.0 Safari/537.36`, 0.4, 'android-tablet'),
  tablet(`Mozilla/5.0 (Linux; Android 14; SM-X210) ${BLINK} Chrome/141.0.0.0 Safari/537.36`, 0.3, 'android-tablet'),
  tablet(
    `Mozilla/5.0 (Linux; Android 13; SM-X200) ${BLINK} SamsungBrowser/28.0 Chrome/130.0.0.0 Safari/537.36`,
    0.2,
    'android-tablet',
  ),
  tablet(
    `Mozilla/5.0 (Linux; Android 13; Lenovo TB-X606F) ${BLINK} Chrome/141.0.0.0 Safari/537.36`,
    0.15,
    'android-tablet',
  ),
];

/** Screen sizes in CSS pixels per hardware family, weighted by how common they are. */
export const SCREEN_SIZES: Readonly<
  Record<ScreenFamily, readonly { width: number; height: number; weight: number }[]>
> = {
  windows: [
    { width: 1920, height: 1080, weight: 34 },
    { width: 1536, height: 864, weight: 12 },
    { width: 2560, height: 1440, weight: 10 },
    { width: 1366, height: 768, weight: 8 },
    { width: 1440, height: 900, weight: 5 },
    { width: 1600, height: 900, weight: 4 },
    { width: 1280, height: 720, weight: 3 },
    { width: 1680, height: 1050, weight: 3 },
    { width: 3840, height: 2160, weight: 3 },
    { width: 1280, height: 800, weight: 2 },
    { width: 2560, height: 1080, weight: 1 },
  ],
  mac: [
    { width: 1512, height: 982, weight: 14 },
    { width: 1440, height: 900, weight: 12 },
    { width: 1728, height: 1117, weight: 9 },
    { width: 1470, height: 956, weight: 8 },
    { width: 1920, height: 1080, weight: 8 },
    { width: 2560, height: 1440, weight: 7 },
    { width: 1680, height: 1050, weight: 3 },
    { width: 1280, height: 800, weight: 2 },
  ],
  linux: [
    { width: 1920, height: 1080, weight: 40 },
    { width: 2560, height: 1440, weight: 14 },
    { width: 1366, height: 768, weight: 6 },
    { width: 1920, height: 1200, weight: 5 },
    { width: 3840, height: 2160, weight: 3 },
  ],
  chromeos: [
    { width: 1366, height: 768, weight: 5 },
    { width: 1536, height: 864, weight: 3 },
    { width: 1280, height: 800, weight: 2 },
  ],
  iphone: [
    { width: 390, height: 844, weight: 16 },
    { width: 393, height: 852, weight: 15 },
    { width: 430, height: 932, weight: 10 },
    { width: 402, height: 874, weight: 7 },
    { width: 440, height: 956, weight: 5 },
    { width: 414, height: 896, weight: 6 },
    { width: 375, height: 812, weight: 5 },
    { width: 428, height: 926, weight: 4 },
    { width: 375, height: 667, weight: 5 },
  ],
  'android-phone': [
    { width: 412, height: 915, weight: 16 },
    { width: 360, height: 800, weight: 12 },
    { width: 384, height: 854, weight: 8 },
    { width: 393, height: 873, weight: 7 },
    { width: 412, height: 892, weight: 5 },
    { width: 360, height: 780, weight: 5 },
    { width: 385, height: 854, weight: 4 },
    { width: 411, height: 914, weight: 4 },
  ],
  ipad: [
    { width: 820, height: 1180, weight: 8 },
    { width: 810, height: 1080, weight: 6 },
    { width: 834, height: 1194, weight: 4 },
    { width: 768, height: 1024, weight: 3 },
    { width: 1024, height: 1366, weight: 3 },
    { width: 744, height: 1133, weight: 2 },
  ],
  'android-tablet': [
    { width: 800, height: 1280, weight: 5 },
    { width: 1280, height: 800, weight: 3 },
    { width: 962, height: 601, weight: 2 },
    { width: 753, height: 1205, weight: 2 },
  ],
};
