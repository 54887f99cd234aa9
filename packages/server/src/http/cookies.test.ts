import { describe, expect, it } from 'vitest';
import { clearCookie, readCookie, serializeCookie } from './cookies.js';

describe('cookies', () => {
  it('reads one cookie by exact name, however the header is spaced', () => {
    expect(readCookie('a=1; sl_session=tok_1', 'sl_session')).toBe('tok_1');
    expect(readCookie('  sl_session = tok_1 ;a=1', 'sl_session')).toBe('tok_1');
    expect(readCookie('xsl_session=tok_1; sl_session_old=2', 'sl_session')).toBeUndefined();
    expect(readCookie(undefined, 'sl_session')).toBeUndefined();
  });

  it('reads a cookie sent twice as absent: the second one was planted (cookie tossing)', () => {
    expect(readCookie('sl_session=planted; sl_session=real', 'sl_session')).toBeUndefined();
    expect(readCookie('sl_session=real; a=1; sl_session=planted', 'sl_session')).toBeUndefined();
    expect(readCookie('sl_share_1=a; sl_share_2=b', 'sl_share_2')).toBe('b');
  });

  it('ignores values outside the token alphabet and oversized headers', () => {
    expect(readCookie('sl_session="quoted"', 'sl_session')).toBeUndefined();
    expect(readCookie('sl_session=a%20b', 'sl_session')).toBeUndefined();
    expect(readCookie(`sl_session=t; pad=${'x'.repeat(20_000)}`, 'sl_session')).toBeUndefined();
  });

  it('writes HttpOnly, SameSite=Lax, Path and Secure when asked, and clears with Max-Age=0', () => {
    expect(serializeCookie('sl_session', 'tok', { secure: true, maxAgeSeconds: 60 })).toBe(
      'sl_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure',
    );
    expect(serializeCookie('sl_share_3', 'tok', { secure: false, path: '/api/share/abc' })).toBe(
      'sl_share_3=tok; Path=/api/share/abc; HttpOnly; SameSite=Lax',
    );
    expect(clearCookie('sl_session', { secure: false })).toBe('sl_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    expect(() => serializeCookie('sl_session', 'a;b', { secure: false })).toThrow(TypeError);
  });
});

describe('SameSite=None for embeddable cookies', () => {
  it('is only set together with Secure; without HTTPS the cookie stays Lax', () => {
    expect(serializeCookie('sl_share_1', 'abc', { secure: true, sameSite: 'none' })).toContain('SameSite=None; Secure');
    expect(serializeCookie('sl_share_1', 'abc', { secure: false, sameSite: 'none' })).toContain('SameSite=Lax');
    expect(serializeCookie('sl_session', 'abc', { secure: true })).toContain('SameSite=Lax');
  });
});
