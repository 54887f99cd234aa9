import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'sightline-config-'));
const STRONG = 'q3Zk9vR2mX8pL4tW7yB1nC6dF0gH5jKs';

describe('loadConfig', () => {
  it('gives a fresh embedded install working defaults and a generated secret kept in the data dir', () => {
    const dataDir = tempDir();
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      embedded: true,
      dataDir,
      publicUrl: 'http://localhost:8000',
    });
    expect(config.secretKey.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDir, 'secret.key');
    expect(readFileSync(file, 'utf8').trim()).toBe(config.secretKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The same secret on every later start: visitor ids and encrypted data depend on it.
    expect(loadConfig({ DATA_DIR: dataDir }).secretKey).toBe(config.secretKey);
  });

  it('refuses external stores without a strong secret, saying what to do', () => {
    const base = { DATA_DIR: tempDir(), DATABASE_URL: 'postgres://db/sightline' };
    expect(() => loadConfig(base)).toThrow(/SECRET_KEY is not set.*openssl rand/);
    expect(() => loadConfig({ ...base, SECRET_KEY: 'short' })).toThrow(/at least 32/);
    expect(() => loadConfig({ ...base, SECRET_KEY: 'x'.repeat(40) })).toThrow(/placeholder/);
    expect(loadConfig({ ...base, SECRET_KEY: STRONG }).embedded).toBe(false);
  });

  it('reads secrets from *_FILE and keeps their values for log redaction', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret'), `${STRONG}\n`);
    const config = loadConfig({
      DATA_DIR: dir,
      SECRET_KEY_FILE: join(dir, 'secret'),
      REDIS_URL: 'redis://:hunter2hunter2@r:6379',
    });
    expect(config.secretKey).toBe(STRONG);
    expect(config.secrets).toEqual(expect.arrayContaining([STRONG, 'redis://:hunter2hunter2@r:6379']));
    expect(() => loadConfig({ DATA_DIR: dir, SECRET_KEY: STRONG, SECRET_KEY_FILE: join(dir, 'secret') })).toThrow(
      /either/,
    );
    expect(() => loadConfig({ DATA_DIR: dir, SECRET_KEY_FILE: join(dir, 'missing') })).toThrow(/cannot be read/);
  });

  it('names the setting and the accepted values when one is wrong', () => {
    const DATA_DIR = tempDir();
    expect(() => loadConfig({ DATA_DIR, PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR, PORT: '70000' })).toThrow(/PORT must be a whole number between 0 and 65535/);
    expect(() => loadConfig({ DATA_DIR, JOURNAL_FSYNC: 'maybe' })).toThrow(/JOURNAL_FSYNC must be true or false/);
    expect(() => loadConfig({ DATA_DIR, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must start with/);
    expect(() => loadConfig({ DATA_DIR, LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
