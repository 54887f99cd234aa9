/**
 * The shared state store could not answer: Redis is unreachable, too slow, refusing writes, or the store is closed.
 *
 * `statusCode` 503 lets the one error handler answer "try again" when a caller lets this propagate; callers that
 * should keep working without shared state (a rate limit that fails open, a cache miss) catch it instead. The message
 * is safe to show to clients; `reason` (and `cause`) say what happened, for logs. Neither ever holds the Redis URL.
 */
export class StateStoreUnavailableError extends Error {
  override name = 'StateStoreUnavailableError';
  readonly statusCode = 503;

  constructor(
    /** What went wrong, e.g. "no connection to Redis: connect ECONNREFUSED 10.0.0.5:6379". */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('Shared state is unavailable right now; try again shortly', options);
  }
}
