import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logging.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('never writes secrets, auth headers or cookies', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', secrets: ['s3cr3t-value-123456'], destination });
    logger.info(
      { req: { method: 'GET', url: '/x', headers: { authorization: 'Bearer abc', cookie: 'sid=1' } } },
      'hello',
    );
    logger.info({ password: 'pw-plain', token: 'tok-plain' }, 'login');
    logger.error('connecting to postgres://u:s3cr3t-value-123456@db failed');
    const text = lines.join('');
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('sid=1');
    expect(text).not.toContain('pw-plain');
    expect(text).not.toContain('tok-plain');
    expect(text).not.toContain('s3cr3t-value-123456');
    expect(text).toContain('[redacted]');
  });

  it('logs requests without the client address', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      { req: { id: 'r1', method: 'POST', url: '/api/event', ip: '192.0.2.1', socket: { remoteAddress: '192.0.2.1' } } },
      'request',
    );
    expect(lines.join('')).not.toContain('192.0.2.1');
    expect(lines.join('')).toContain('/api/event');
  });
});
