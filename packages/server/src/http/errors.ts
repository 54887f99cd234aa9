/**
 * Errors that carry their HTTP meaning. One handler (app.ts) turns them into responses: 4xx bodies say what to fix,
 * 5xx bodies say nothing internal (STYLE rule 8).
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, message);

export const serviceUnavailable = (message: string, retryAfterSeconds: number) =>
  new HttpError(503, message, { 'retry-after': String(retryAfterSeconds) });
