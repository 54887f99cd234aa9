import { LIMITS } from '../../domain/event.js';

/** What every wire-format parser returns: events to run through the pipeline, or what the sender must fix. */
export type ParseResult<T> = { ok: true; events: T[] } | { ok: false; error: string };

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value of the first of `keys` that the object itself carries with a value other than null/undefined.
 * Own properties only: a body key such as `constructor` or `__proto__` must never read something inherited.
 */
export function pick(record: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) {
    if (!Object.hasOwn(record, key)) continue;
    const value = record[key];
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/**
 * Accepts a body that the HTTP layer already parsed (an object), or JSON still in text form: a `text/plain` body
 * (what Plausible's tracker and sendBeacon send) may reach the parser as a string or as raw bytes.
 */
export function decodeJsonBody(body: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = new TextDecoder().decode(body);
  if (text === undefined) return { ok: true, value: body };

  // The HTTP layer enforces the byte limit; this guards callers that hand over text from elsewhere.
  if (text.length > LIMITS.bodyBytes)
    return { ok: false, error: `request body must be at most ${LIMITS.bodyBytes} bytes` };
  if (text.trim() === '') return { ok: false, error: 'request body is empty; send one event as a JSON object' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      error: `request body is not valid JSON (${(error as Error).message}); send one event as a JSON object`,
    };
  }
}

/** Accepts `true`/`false` and Plausible's integer flags (`h: 1`). Anything else is "not given". */
export function flag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1') return true;
  if (value === 0 || value === '0') return false;
  return undefined;
}

const ABSOLUTE_HTTP_URL = /^https?:\/\//i;

/** True for an absolute http(s) URL that the WHATWG parser accepts, with a host. */
export function isAbsoluteHttpUrl(value: string): boolean {
  if (!ABSOLUTE_HTTP_URL.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}
