import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEventStore } from '../src/storage/events/index.js';
import { childEnv, REPO_ROOT, runCliCommand, startChildServer, tempDataDir } from './support/server.js';

const dataDir = tempDataDir('sightline-cli-');
const env = childEnv(dataDir);

describe('npx sightline', () => {
  it('adds and lists sites, refusing duplicates and bad input with a clear message', async () => {
    const added = await runCliCommand(
      ['sites', 'add', 'https://www.Blog.Example.org/', '--timezone', 'Europe/Paris'],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('blog.example.org');
    expect(added.stdout).toContain('data-domain="blog.example.org"');
    // The snippet pins the content-hashed script with its Subresource Integrity hash.
    expect(added.stdout).toMatch(
      /src="http:\/\/localhost:8000\/js\/s\.[0-9a-f]{8,}\.js" integrity="sha384-[A-Za-z0-9+/=]+" crossorigin="anonymous"/,
    );

    const duplicate = await runCliCommand(['sites', 'add', 'blog.example.org'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);

    const badZone = await runCliCommand(['sites', 'add', 'other.example', '--timezone', 'Mars/Olympus'], env);
    expect(badZone.code).toBe(1);
    expect(badZone.stderr).toMatch(/time ?zone/i);

    const listed = await runCliCommand(['sites', 'list'], env);
    expect(listed.stdout).toMatch(/^\d+\tblog\.example\.org\tEurope\/Paris\t[0-9a-f-]{36}$/m);
  });

  it('adds a site while the server runs, and the running server takes its events at once', async () => {
    const server = await startChildServer(dataDir);
    try {
      const added = await runCliCommand(['sites', 'add', 'live.example'], env);
      expect(added.code, added.stderr).toBe(0);
      const response = await fetch(`${server.url}/api/event`, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          'user-agent':
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
        },
        body: JSON.stringify({ n: 'pageview', u: 'https://live.example/', d: 'live.example' }),
      });
      expect(response.status).toBe(202);
      expect(response.headers.get('x-sightline-dropped')).toBeNull();

      // Commands that open the embedded event store refuse politely instead of corrupting it.
      const demo = await runCliCommand(['demo', '--days', '1'], env);
      expect(demo.code).toBe(1);
      expect(demo.stderr).toMatch(/in use by another Sightline process/);
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });

  it('imports historical events with their own timestamps and reports bad lines', async () => {
    const file = join(dataDir, 'history.ndjson');
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    const lines = [
      {
        timestamp: '2025-03-01T10:00:00Z',
        name: 'pageview',
        url: 'https://blog.example.org/a',
        user_agent: ua,
        ip: '81.2.69.160',
      },
      {
        timestamp: '2025-03-01T10:05:00Z',
        name: 'pageview',
        url: 'https://blog.example.org/b',
        user_agent: ua,
        ip: '81.2.69.160',
      },
      {
        timestamp: 1740823500000,
        name: 'Signup',
        url: 'https://blog.example.org/b',
        props: { plan: 'free' },
        user_agent: ua,
        ip: '81.2.69.160',
      },
    ].map((line) => JSON.stringify(line));
    writeFileSync(file, `${lines.join('\n')}\nnot json\n{"name":"pageview","url":"https://blog.example.org/"}\n`);
    const result = await runCliCommand(['import', file, '--site', 'blog.example.org'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Imported 3 events');
    expect(result.stdout).toMatch(/line 4: not valid JSON/);
    expect(result.stdout).toMatch(/line 5: timestamp is required/);

    const again = await runCliCommand(['import', file, '--site', 'blog.example.org'], env);
    expect(again.code).toBe(0);

    const missingSite = await runCliCommand(['import', file, '--site', 'nope.example'], env);
    expect(missingSite.code).toBe(1);
    expect(missingSite.stderr).toMatch(/sites add nope\.example/);
  });

  it('creates a demo site with days of realistic traffic', async () => {
    const result = await runCliCommand(['demo', '--days', '3'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Imported [\d,]+ events/);
  });

  it('stored the imported and demo events once each, at their own times', async () => {
    const store = await createEventStore({ clickhouseDatabase: 'sightline', dataDir });
    try {
      const imported = await store.query<{ pathname: string; ts: string; visitors: string }>(
        `SELECT pathname, toString(ts) AS ts, visitor_id AS visitors FROM ${store.eventsTable} WHERE site_id = 1 ORDER BY ts`,
      );
      // Imported twice, stored once: batches carry idempotency tokens.
      expect(imported.map((row) => row.pathname)).toEqual(['/a', '/b', '/b']);
      expect(imported[0]?.ts).toBe('2025-03-01 10:00:00.000');
      // One visitor: same IP and user agent on the same day.
      expect(new Set(imported.map((row) => row.visitors)).size).toBe(1);
      const [demo] = await store.query<{ events: string; days: string }>(
        `SELECT count() AS events, uniqExact(toDate(ts)) AS days FROM ${store.eventsTable} WHERE site_id = 3`,
      );
      expect(Number(demo?.events)).toBeGreaterThan(1000);
      expect(Number(demo?.days)).toBeGreaterThanOrEqual(3);
    } finally {
      await store.close();
    }
  });

  it('prints every setting as a Markdown table', async () => {
    const result = await runCliCommand(['settings', '--markdown'], env);
    expect(result.stdout).toContain('| `PORT` | `8000` |');
    expect(result.stdout).toContain('`SECRET_KEY` (or `SECRET_KEY_FILE`)');
    // The README's table is this output: a setting added in code without docs fails here.
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const documented = readme.slice(
      readme.indexOf('\n', readme.indexOf('<!-- settings:start')) + 1,
      readme.indexOf('<!-- settings:end'),
    );
    expect(documented.trim()).toBe(result.stdout.trim());
  });

  it('refuses to start against external stores with a weak secret', async () => {
    const result = await runCliCommand(['migrate'], {
      ...env,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      SECRET_KEY: 'changeme',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/SECRET_KEY/);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
