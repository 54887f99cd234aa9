import { type RawBuilder, sql } from 'kysely';
import type { MetaEngine } from './database.js';

/**
 * Conversions between record fields and the columns both engines store them in. Writes go out as values every
 * driver binds (better-sqlite3 refuses Date and boolean); reads accept either engine's form.
 */

/** Integer keys are 32-bit INTEGER on both engines; anything outside cannot exist (and would make PostgreSQL throw). */
export const MAX_ROW_ID = 2_147_483_647;

/** True for an id a row could have: lookups with anything else answer "not found" without asking the database. */
export function isRowId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= MAX_ROW_ID;
}

/** A time as written to a timestamp column: ISO-8601 UTC (fixed width, so text order is time order on SQLite). */
export function toIso(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError('Expected a valid Date');
  return date.toISOString();
}

export function toIsoOrNull(date: Date | null | undefined): string | null {
  return date === null || date === undefined ? null : toIso(date);
}

/** A time as a bound expression PostgreSQL types as timestamptz even where it cannot infer it (CASE branches). */
export function timestampValue(engine: MetaEngine, date: Date): RawBuilder<string> {
  const iso = toIso(date);
  return engine === 'postgres' ? sql<string>`cast(${iso} as timestamptz)` : sql<string>`${iso}`;
}

export function fromTimestamp(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

export function fromTimestampOrNull(value: Date | string | null): Date | null {
  return value === null ? null : fromTimestamp(value);
}

/** A flag as written: boolean on PostgreSQL, 0/1 on SQLite. */
export function toFlag(engine: MetaEngine, value: boolean): boolean | number {
  if (engine === 'postgres') return value;
  return value ? 1 : 0;
}

export function fromFlag(value: boolean | number | bigint): boolean {
  return value === true || value === 1 || value === 1n;
}

/** Counts come back as numbers from SQLite and as strings from pg for bigint / count(*). */
export function fromCount(value: number | string | bigint): number {
  return Number(value);
}

/** Parses a JSON text column, falling back when a row holds something this version cannot read. */
export function parseJson<T>(text: string, isExpected: (value: unknown) => value is T, fallback: T): T {
  try {
    const value: unknown = JSON.parse(text);
    return isExpected(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
