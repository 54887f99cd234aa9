import type { QueryParams } from './event-store.js';

/**
 * Writes a query's bound parameters into its text as literals that cannot change the query's meaning, so chDB can run
 * it with `queryAsync`. Why: chDB serialises every `queryBindAsync` across the whole process (CHDB-NOTES gotcha 7),
 * so the dashboard's queries, which arrive together, ran one after another however many reader Sessions there were.
 *
 * Callers still build SQL with `{name:Type}` placeholders and values apart from the text; only this adapter step
 * joins them, and only in forms with no room for injection:
 * - strings become `unhex('…')`: hex digits only, whatever the value holds (quotes, backslashes, NUL, `{x:String}`);
 * - integers are checked against their type's range and written as plain digits, so nothing wraps silently where
 *   binding would have refused the value;
 * - arrays of strings are lists of `unhex` literals, arrays of integers lists of checked digits (the session ids a
 *   rollup query lists, stats/visit-snapshot.ts).
 * Any other type or value (Identifier, DateTime64, a fraction for an integer, null) returns undefined and the query
 * is bound as before: the engine's own parsing and errors apply there. So does a placeholder in a SETTINGS clause,
 * which takes a bare literal where these are expressions.
 */

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g;
/** Where the first SETTINGS clause begins: placeholders from there on stay bound (the safe side, for subqueries too). */
const SETTINGS_CLAUSE = /\bSETTINGS\b/i;

const INTEGER_BITS: Record<string, { bits: bigint; signed: boolean }> = {
  UInt8: { bits: 8n, signed: false },
  UInt16: { bits: 16n, signed: false },
  UInt32: { bits: 32n, signed: false },
  UInt64: { bits: 64n, signed: false },
  Int8: { bits: 8n, signed: true },
  Int16: { bits: 16n, signed: true },
  Int32: { bits: 32n, signed: true },
  Int64: { bits: 64n, signed: true },
};

/** Returns the query with every placeholder replaced, or undefined when one of them has to be bound. */
export function inlineParams(sql: string, params: QueryParams): string | undefined {
  let bindable = true;
  const settingsAt = sql.search(SETTINGS_CLAUSE);
  const text = sql.replace(PLACEHOLDER, (placeholder, name: string, type: string, offset: number) => {
    const inSettings = settingsAt >= 0 && offset > settingsAt;
    const literal = !inSettings && Object.hasOwn(params, name) ? literalOf(params[name], type.trim()) : undefined;
    if (literal === undefined) bindable = false;
    return literal ?? placeholder;
  });
  return bindable ? text : undefined;
}

function literalOf(value: QueryParams[string] | undefined, type: string): string | undefined {
  if (type === 'String') return typeof value === 'string' ? stringLiteral(value) : undefined;
  if (type === 'Array(String)') {
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return undefined;
    return value.length === 0 ? 'CAST([] AS Array(String))' : `[${(value as string[]).map(stringLiteral).join(', ')}]`;
  }
  const arrayOf = /^Array\((\w+)\)$/.exec(type)?.[1];
  const element = arrayOf === undefined ? undefined : INTEGER_BITS[arrayOf];
  if (element !== undefined) {
    if (!Array.isArray(value)) return undefined;
    const items = (value as unknown[]).map((item) => integerDigits(item, element.bits, element.signed));
    if (items.some((item) => item === undefined)) return undefined;
    return `CAST([${items.join(', ')}] AS ${type})`;
  }
  const integer = INTEGER_BITS[type];
  if (integer !== undefined) {
    const digits = integerDigits(value, integer.bits, integer.signed);
    return digits === undefined ? undefined : `CAST(${digits} AS ${type})`;
  }
  return undefined;
}

/** Hex of the UTF-8 bytes: the literal decodes to exactly the string binding would have passed. */
function stringLiteral(value: string): string {
  return `unhex('${Buffer.from(value, 'utf8').toString('hex')}')`;
}

/** The value as decimal digits when it is a whole number inside the type's range; undefined otherwise. */
function integerDigits(value: unknown, bits: bigint, signed: boolean): string | undefined {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^-?[0-9]{1,20}$/.test(value)) n = BigInt(value);
  else return undefined;
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (n < min || n > max) return undefined;
  // A negative literal in CAST parses as unary minus applied to the number: parenthesised so it stays one operand.
  return n < 0n ? `(${n})` : String(n);
}
