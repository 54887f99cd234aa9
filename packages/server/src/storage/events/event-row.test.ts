import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../domain/event.js';
import { sampleEventRow } from './event-row.fixture.js';
import {
  clickhouseDateTime64,
  describeEventRowProblem,
  eventInsertJson,
  eventInsertRecord,
  eventRowFromInsertJson,
  findEventRowProblem,
} from './event-row.js';
import { EVENT_COLUMNS } from './schema.js';

describe('findEventRowProblem', () => {
  it('accepts a valid row', () => {
    expect(findEventRowProblem(sampleEventRow())).toBeUndefined();
    expect(
      findEventRowProblem(sampleEventRow({ revenue_amount: '-0.5', visitor_id: '18446744073709551615' })),
    ).toBeUndefined();
  });

  it.each<[string, Partial<EventRow> | Record<string, unknown>]>([
    ['site_id', { site_id: -1 }],
    ['site_id', { site_id: 2 ** 32 }],
    ['screen_w', { screen_w: 65536 }],
    ['scroll_depth', { scroll_depth: 101 }],
    ['interactive', { interactive: 2 }],
    ['engagement_ms', { engagement_ms: 1.5 }],
    ['ts', { ts: Number.NaN }],
    ['ts', { ts: Date.UTC(2300, 0, 1) }],
    ['event_id', { event_id: 'not-a-uuid' }],
    ['visitor_id', { visitor_id: '18446744073709551616' }],
    ['visitor_id', { visitor_id: '-1' }],
    ['session_id', { session_id: 12 }],
    ['pathname', { pathname: undefined }],
    ['props', { props: { n: 1 } }],
    ['props', { props: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v'])) }],
    ['revenue_amount', { revenue_amount: '1e5' }],
    ['revenue_amount', { revenue_amount: '123456789012345' }],
    ['revenue_amount', { revenue_amount: '1.23456' }],
    ['source', { source: 'email' }],
  ])('names %s when it would be stored wrong or fail the batch', (field, change) => {
    const problem = findEventRowProblem({ ...sampleEventRow(), ...change });
    expect(problem?.field).toBe(field);
  });

  it('finds exactly what the field-by-field check finds, at every column bound', () => {
    const edges: unknown[] = [
      ...[-1, 0, 1, 2, 1.5, 100, 101, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY],
      ...[Date.UTC(1900, 0, 1) - 1, Date.UTC(1900, 0, 1), Date.UTC(2299, 11, 31, 23, 59, 59, 999) + 1],
      ...['', '0', '1', '018', '1.5', '-0.5', '1e5', '18446744073709551615', '18446744073709551616', 'web', 'email'],
      ...[null, undefined, true, {}, [], { k: 'v' }, { k: 1 }, sampleEventRow().event_id],
    ];
    for (const field of Object.keys(sampleEventRow())) {
      for (const value of edges) {
        const row = { ...sampleEventRow(), [field]: value };
        expect(findEventRowProblem(row)?.field, `${field} = ${String(value)}`).toBe(
          describeEventRowProblem(row)?.field,
        );
      }
    }
  });

  it('finds exactly what the field-by-field check finds, for any row', () => {
    const value = fc.oneof(
      fc.anything(),
      fc.integer({ min: -2, max: 2 ** 33 }),
      fc.integer({ min: -2, max: 70_000 }),
      // Each integer column's bounds and one past them.
      fc.constantFrom(
        1,
        2,
        100,
        101,
        65_535,
        65_536,
        2 ** 32 - 1,
        2 ** 32,
        Date.UTC(2299, 11, 31, 23, 59, 59, 999) + 1,
      ),
      fc.double(),
      fc.constantFrom('', '0', '18446744073709551616', '018', '1.5', null, undefined, {}, []),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer()), { maxKeys: 32 }),
    );
    const fields = Object.keys(sampleEventRow());
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...fields), value), { maxLength: 3 }), (changes) => {
        const row: Record<string, unknown> = { ...sampleEventRow() };
        for (const [field, changed] of changes) row[field] = changed;
        expect(findEventRowProblem(row)?.field).toBe(describeEventRowProblem(row)?.field);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        findEventRowProblem(value);
        findEventRowProblem({ ...sampleEventRow(), ...(typeof value === 'object' && value !== null ? value : {}) });
      }),
    );
  });
});

describe('eventInsertJson (the journal record and insert line)', () => {
  it('writes every column where EVENT_COLUMNS puts it (each string column holding its own name tells them apart)', () => {
    const row = sampleEventRow();
    for (const column of EVENT_COLUMNS) {
      if (typeof row[column] === 'string' && column !== 'event_id') (row as Record<string, unknown>)[column] = column;
    }
    const record = eventInsertRecord(row);
    expect(JSON.parse(eventInsertJson(row))).toEqual(EVENT_COLUMNS.map((column) => record[column]));
  });

  it('writes exactly the table columns, in table order, dropping extra keys', () => {
    const columns = sampleEventRow();
    const line = eventInsertJson({ ...columns, extra: 'not a column' } as EventRow);
    expect(JSON.parse(line)).toHaveLength(EVENT_COLUMNS.length);
    expect(eventRowFromInsertJson(line)).toEqual(columns);
  });

  it('is deterministic and loses nothing in well-formed strings', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.dictionary(fc.string(), fc.string({ unit: 'grapheme' })),
        (title, props) => {
          const line = eventInsertJson(sampleEventRow({ title, props }));
          const back = eventRowFromInsertJson(line);
          expect(eventInsertJson(back)).toBe(line);
          expect(back.title).toBe(title);
          expect(back.props).toEqual(props);
        },
      ),
    );
  });
});

describe('clickhouseDateTime64', () => {
  it('formats epoch milliseconds in UTC, keeping the milliseconds', () => {
    expect(clickhouseDateTime64(Date.UTC(2025, 0, 5, 3, 4, 5, 6))).toBe('2025-01-05 03:04:05.006');
    expect(clickhouseDateTime64(Date.UTC(1900, 0, 1))).toBe('1900-01-01 00:00:00.000');
  });

  it('formats every instant of the column range like toISOString, whatever came just before', () => {
    const reference = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2299, 11, 31, 23, 59, 59, 999) });
    fc.assert(
      fc.property(fc.array(fc.tuple(instant, fc.integer({ min: -1500, max: 1500 })), { maxLength: 20 }), (pairs) => {
        // Neighbours within a second or two of each other: the formatted second is reused only when it is the same.
        for (const [at, step] of pairs) {
          expect(clickhouseDateTime64(at)).toBe(reference(at));
          expect(clickhouseDateTime64(at + step)).toBe(reference(at + step));
        }
      }),
    );
    expect(clickhouseDateTime64(-1)).toBe('1969-12-31 23:59:59.999');
    expect(clickhouseDateTime64(1_700_000_000_123.9)).toBe(reference(1_700_000_000_123.9));
    expect(() => clickhouseDateTime64(Number.NaN)).toThrow(RangeError);
  });
});

describe('eventInsertJson', () => {
  it('writes the columns in table order and reads back to the same row', () => {
    const row = sampleEventRow({ props: { plan: 'pro' }, revenue_amount: '12.5000' });
    const line = eventInsertJson(row);
    expect(JSON.parse(line)).toHaveLength(EVENT_COLUMNS.length);
    expect(eventRowFromInsertJson(line)).toEqual(row);
  });

  it('replaces lone surrogates, which the engine refuses, and keeps real pairs', () => {
    const line = eventInsertJson(sampleEventRow({ title: 'a\ud800b 😀', props: { 'k\udc00': 'v' } }));
    expect(line).not.toMatch(/\\ud[89a-f]/i);
    const back = eventRowFromInsertJson(line);
    expect(back.title).toBe('a\ufffdb 😀');
    expect(back.props).toEqual({ 'k\ufffd': 'v' });
  });
});
