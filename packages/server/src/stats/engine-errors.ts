import { StatsQueryError } from './query.js';

/**
 * Engine errors that are the caller's mistake rather than ours. Patterns of `matches` filters are checked with
 * JavaScript's parser before they run, but ClickHouse compiles them with RE2, which refuses some patterns JavaScript
 * accepts (`\Z`, `\u0041`, `a{1001}`, …). The engine then fails with CANNOT_COMPILE_REGEXP (code 427); that is a 400
 * naming the problem, never a 500. Only RE2's own description of the caller's pattern is passed on.
 */
const CANNOT_COMPILE_REGEXP = /Code:\s*427\b|cannot compile re2/i;
const RE2_REASON = /, error: ([^\n]{1,160}?)\. Look at/;

/** The StatsQueryError an engine error stands for, or undefined when it is a genuine server error. */
export function statsInputErrorOf(error: unknown): StatsQueryError | undefined {
  if (error instanceof StatsQueryError) return error;
  const message = error instanceof Error ? error.message : '';
  if (!CANNOT_COMPILE_REGEXP.test(message)) return undefined;
  const reason = RE2_REASON.exec(message)?.[1];
  return new StatsQueryError(
    `A "matches" filter pattern cannot be compiled by the query engine${reason === undefined ? '' : ` (RE2: ${reason})`}; see https://github.com/google/re2/wiki/Syntax`,
  );
}
