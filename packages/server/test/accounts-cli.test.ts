import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { TestBrowser } from './support/browser.js';
import { childEnv, runCliCommand, tempDataDir } from './support/server.js';

/** `sightline users create` and `users reset-password`, run as an operator would, against a running instance. */

const dataDir = tempDataDir('sightline-users-cli-');
const env = childEnv(dataDir);

describe('sightline users', () => {
  let app: TestApp;
  let password = '';

  beforeAll(async () => {
    // Before any server ran: the first account of an instance can come from the command line.
    const created = await runCliCommand(['users', 'create', ' Ops@Example.com', '--owner', '--name', 'Operator'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created ops@example\.com \(id \d+, instance owner\)\./m);
    password = /Password \(shown once[^)]*\): (\S+)/.exec(created.stdout)?.[1] ?? '';
    expect(password).toMatch(/^[A-Za-z2-9]{20}$/);
    app = await startTestApp({ DATA_DIR: dataDir });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('creates a verified instance owner whose printed password signs in', async () => {
    const browser = new TestBrowser(app.url);
    expect((await browser.get('/api/auth/state')).body.setupRequired).toBe(false);
    const login = await browser.post('/api/auth/login', { email: 'ops@example.com', password });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ name: 'Operator', isInstanceOwner: true, emailVerified: true });
    expect(app.logs()).not.toContain(password);
  });

  it('creates further accounts with a given password, and refuses duplicates and weak passwords', async () => {
    const given = await runCliCommand(
      ['users', 'create', 'analyst@example.com', '--password', 'a sturdy passphrase'],
      env,
    );
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).not.toContain('Password');
    expect(given.stdout).not.toContain('instance owner');
    const login = await new TestBrowser(app.url).post('/api/auth/login', {
      email: 'analyst@example.com',
      password: 'a sturdy passphrase',
    });
    expect(login.body.user).toMatchObject({ isInstanceOwner: false, emailVerified: true });

    const duplicate = await runCliCommand(['users', 'create', 'analyst@example.com'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists; use `users reset-password analyst@example.com`');
    const weak = await runCliCommand(['users', 'create', 'weak@example.com', '--password', 'password'], env);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('too common');
    const invalid = await runCliCommand(['users', 'create', 'not-an-email'], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('not a valid email address');
  });

  it('takes a password from standard input, so it never shows in the process list', async () => {
    const created = await runCliCommand(
      ['users', 'create', 'piped@example.com', '--password-stdin'],
      env,
      'staple horse battery\nsecond line is ignored\n',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).not.toContain('Password');
    const signIn = (password: string) =>
      new TestBrowser(app.url).post('/api/auth/login', { email: 'piped@example.com', password });
    expect((await signIn('staple horse battery')).status).toBe(200);

    const reset = await runCliCommand(
      ['users', 'reset-password', 'piped@example.com', '--password-stdin'],
      env,
      'a brand new passphrase\r\n',
    );
    expect(reset.code, reset.stderr).toBe(0);
    expect((await signIn('a brand new passphrase')).status).toBe(200);
    expect((await signIn('staple horse battery')).status).toBe(401);

    const empty = await runCliCommand(['users', 'create', 'empty@example.com', '--password-stdin'], env, '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('standard input held no password');
    const both = await runCliCommand(
      ['users', 'create', 'both@example.com', '--password-stdin', '--password', 'a sturdy passphrase'],
      env,
      'a sturdy passphrase\n',
    );
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('not both');
    const weak = await runCliCommand(['users', 'create', 'weak2@example.com', '--password-stdin'], env, 'password\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('Password refused');
  });

  it('prints a single-use reset link that works through the API', async () => {
    const signedIn = new TestBrowser(app.url);
    await signedIn.post('/api/auth/login', { email: 'ops@example.com', password });
    const result = await runCliCommand(['users', 'reset-password', 'ops@example.com'], env);
    expect(result.code, result.stderr).toBe(0);
    const token = /\/reset-password\?token=(sl_reset_[A-Za-z0-9]+)/.exec(result.stdout)?.[1];
    expect(token).toBeDefined();
    const reset = await new TestBrowser(app.url).post('/api/auth/reset-password', {
      token,
      password: 'operator chose this one',
    });
    expect(reset.status).toBe(200);
    expect((await signedIn.get('/api/account')).status).toBe(401);
    const again = await new TestBrowser(app.url).post('/api/auth/reset-password', {
      token,
      password: 'and once more!',
    });
    expect(again.status).toBe(400);
    const login = await new TestBrowser(app.url).post('/api/auth/login', {
      email: 'ops@example.com',
      password: 'operator chose this one',
    });
    expect(login.body.status).toBe('ok');
  });

  it('sets a password directly, unlocking the account and ending its sessions', async () => {
    const meta = app.server.stores.meta;
    const user = (await meta.users.findByEmail('analyst@example.com'))!;
    const signedIn = new TestBrowser(app.url);
    await signedIn.post('/api/auth/login', { email: 'analyst@example.com', password: 'a sturdy passphrase' });
    await meta.users.update(user.id, { failedLogins: 5, lockedUntil: new Date(Date.now() + 3_600_000) });
    const locked = await new TestBrowser(app.url).post('/api/auth/login', {
      email: 'analyst@example.com',
      password: 'a sturdy passphrase',
    });
    expect(locked.status).toBe(423);

    const result = await runCliCommand(
      ['users', 'reset-password', 'analyst@example.com', '--password', 'a new sturdy passphrase'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    // Two: this test's browser and the sign-in of the test before.
    expect(result.stdout).toContain('unlocked and 2 session(s) were signed out');
    expect((await signedIn.get('/api/account')).status).toBe(401);
    const login = await new TestBrowser(app.url).post('/api/auth/login', {
      email: 'analyst@example.com',
      password: 'a new sturdy passphrase',
    });
    expect(login.body.status).toBe('ok');

    const unknown = await runCliCommand(['users', 'reset-password', 'nobody@example.com'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No account for nobody@example.com');
  });
});
