import { isbot } from 'isbot';
import UAParser from 'ua-parser-js';
import { describe, expect, it } from 'vitest';
import { REAL_USER_AGENTS, SCREEN_SIZES } from './user-agents.js';

describe('REAL_USER_AGENTS', () => {
  it('holds about sixty distinct strings', () => {
    expect(REAL_USER_AGENTS.length).toBeGreaterThanOrEqual(55);
    expect(new Set(REAL_USER_AGENTS.map((p) => p.userAgent)).size).toBe(REAL_USER_AGENTS.length);
  });

  it('is classified by the user-agent parser as the device each entry claims, and never as a bot', () => {
    for (const profile of REAL_USER_AGENTS) {
      const result = new UAParser(profile.userAgent).getResult();
      expect({ ua: profile.userAgent, device: result.device.type ?? 'desktop' }).toEqual({
        ua: profile.userAgent,
        device: profile.device,
      });
      expect(result.browser.name, profile.userAgent).toBeTruthy();
      expect(result.os.name, profile.userAgent).toBeTruthy();
      expect(isbot(profile.userAgent), profile.userAgent).toBe(false);
    }
  });

  it('covers the major browsers and platforms', () => {
    const browsers = new Set(REAL_USER_AGENTS.map((p) => new UAParser(p.userAgent).getBrowser().name));
    const systems = new Set(REAL_USER_AGENTS.map((p) => new UAParser(p.userAgent).getOS().name));
    for (const name of ['Chrome', 'Edge', 'Firefox', 'Safari', 'Mobile Safari', 'Samsung Internet'])
      expect(browsers).toContain(name);
    for (const name of ['Windows', 'Mac OS', 'Linux', 'iOS', 'Android']) expect(systems).toContain(name);
  });

  it('has screen sizes for every hardware family it names, phones narrower than desktops', () => {
    for (const profile of REAL_USER_AGENTS) expect(SCREEN_SIZES[profile.screens].length).toBeGreaterThan(0);
    expect(Math.max(...SCREEN_SIZES.iphone.map((s) => s.width))).toBeLessThan(
      Math.min(...SCREEN_SIZES.windows.map((s) => s.width)),
    );
  });
});
