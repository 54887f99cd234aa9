import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.js';
import type { ShareLink } from '../src/domain/account.js';
import { newShareSlug } from '../src/sites/share-slug.js';
import { clientFetch, createSignedInClient, startTestApp, type TestApp, type TestClient } from './support/app.js';
import { countEvents, EXPECTED, type StatsFixture, seedStatsSite, track } from './support/stats-fixture.js';

/**
 * The stats routes behind a shared link or a public dashboard: anyone holding the link reads that one site, and no
 * site_id in the request can point them anywhere else.
 */

const SHARED = 'shared.example';
const PRIVATE = 'private.example';
const LINK_PASSWORD = 'correct horse battery staple';

let app: TestApp;
let owner: TestClient;
let otherOwner: TestClient;
let shared: StatsFixture;
let privateSite: StatsFixture;
let openLink: ShareLink;
let lockedLink: ShareLink;

beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: 'true' });
  owner = await createSignedInClient(app, { email: 'owner@shared.example' });
  otherOwner = await createSignedInClient(app, { email: 'owner@private.example' });
  shared = await seedStatsSite(app, owner, SHARED, '198.51.100');
  privateSite = await seedStatsSite(app, otherOwner, PRIVATE, '192.0.2');
  // One more visitor on the private site, so its numbers differ from the shared site's.
  await track(app, '192.0.2.99', { domain: PRIVATE, url: `https://${PRIVATE}/only-here` });
  await app.server.flushNow();
  const links = app.server.stores.meta.shareLinks;
  openLink = await links.create({ siteId: shared.site.id, slug: newShareSlug(), name: 'Open', passwordHash: null });
  lockedLink = await links.create({
    siteId: shared.site.id,
    slug: newShareSlug(),
    name: 'Locked',
    passwordHash: await hashPassword(LINK_PASSWORD),
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
});

/** An anonymous visitor of a shared dashboard (no account, no session). */
function anonymous(path: string, init: { body?: unknown; cookie?: string } = {}) {
  return clientFetch(app.url, path, init);
}

async function json<T = Record<string, unknown>>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

interface Answer {
  results: { dimensions: string[]; metrics: number[] }[];
  query: { site_id: string };
}

const today = () => new Date().toISOString().slice(0, 10);

describe('a shared link', () => {
  it('answers queries for its own site only, whatever site_id says', async () => {
    const base = `/api/share/${openLink.slug}/v2/query`;
    for (const siteId of [PRIVATE, String(privateSite.site.id), SHARED, undefined]) {
      const body = { metrics: ['visitors', 'pageviews'], date_range: 'day', ...(siteId ? { site_id: siteId } : {}) };
      const answer = await json<Answer>(await anonymous(base, { body }));
      expect(answer.results[0]!.metrics, String(siteId)).toEqual([EXPECTED.visitors, EXPECTED.pageviews]);
      expect(answer.query.site_id).toBe(SHARED);
    }
    // The private site really has other numbers: a leak would show 6.
    const mine = await otherOwner.fetch('/api/v2/query', {
      body: { site_id: PRIVATE, metrics: ['visitors'], date_range: 'day' },
    });
    expect((await json<Answer>(mine)).results[0]!.metrics).toEqual([EXPECTED.visitors + 1]);
  });

  it('still validates the query and names what is wrong', async () => {
    const response = await anonymous(`/api/share/${openLink.slug}/v2/query`, {
      body: { metrics: ['visitorz'], date_range: 'day' },
    });
    expect((await json<{ error: string }>(response, 400)).error).toMatch(/Unknown metric "visitorz"/);
  });

  it('serves realtime, site context, funnels and exports of its site', async () => {
    const prefix = `/api/share/${openLink.slug}/v2`;
    const realtime = await json<{ visitors: number }>(await anonymous(`${prefix}/realtime?site_id=${PRIVATE}`));
    expect(realtime.visitors).toBe(EXPECTED.visitors);

    const context = await json<{ site: { domain: string }; role: string; funnels: { id: number }[] }>(
      await anonymous(`${prefix}/site-context?site_id=${PRIVATE}`),
    );
    expect(context.site.domain).toBe(SHARED);
    expect(context.role).toBe('public');
    expect(context.funnels.map((funnel) => funnel.id)).toEqual([shared.funnel.id]);

    const funnel = await json<{ steps: { visitors: number }[] }>(
      await anonymous(`${prefix}/funnel`, {
        body: { site_id: PRIVATE, funnel_id: shared.funnel.id, date_range: 'day' },
      }),
    );
    expect(funnel.steps.map((step) => step.visitors)).toEqual([3, 1]);
    // The private site's funnel is not reachable through this link, not even by id.
    const foreign = await anonymous(`${prefix}/funnel`, {
      body: { site_id: PRIVATE, funnel_id: privateSite.funnel.id, date_range: 'day' },
    });
    expect(foreign.status).toBe(404);

    const csv = await anonymous(`${prefix}/export`, {
      body: { site_id: PRIVATE, metrics: ['visitors'], date_range: 'day', dimensions: ['event:page'] },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="${SHARED}-event_page-${today()}-${today()}.csv"`,
    );
    expect(await csv.text()).not.toContain('/only-here');

    const zip = await anonymous(`${prefix}/export/site?site_id=${PRIVATE}&date_range=day`);
    expect(zip.status).toBe(200);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(strFromU8(files['visitors.csv']!).split('\r\n')[1]).toMatch(new RegExp(`^${today()},5,5,7,`));
    expect(strFromU8(files['pages.csv']!)).not.toContain('/only-here');
  });
});

describe('property keys through a shared link', () => {
  beforeAll(async () => {
    // Custom events by visitors already counted (same address), so no other figure of either site changes.
    await track(app, '198.51.100.1', {
      domain: SHARED,
      url: `https://${SHARED}/pricing`,
      name: 'Download',
      props: { file: 'a.pdf' },
    });
    await track(app, '192.0.2.99', {
      domain: PRIVATE,
      url: `https://${PRIVATE}/only-here`,
      name: 'Download',
      props: { private_key: 'x' },
    });
    const deadline = Date.now() + 5_000;
    while ((await countEvents(app, shared.site.id)) < 9 || (await countEvents(app, privateSite.site.id)) < 10) {
      if (Date.now() > deadline) throw new Error('props events did not reach the store');
      await app.server.flushNow();
    }
  });

  it("lists its own site's keys only, whatever site_id says", async () => {
    const answer = await json<{ keys: { key: string; events: number }[] }>(
      await anonymous(`/api/share/${openLink.slug}/v2/props?site_id=${PRIVATE}&date_range=day`),
    );
    expect(answer.keys).toEqual([{ key: 'file', events: 1 }]);
    const bad = await anonymous(`/api/share/${openLink.slug}/v2/props?date_range=forever`);
    expect((await json<{ error: string }>(bad, 400)).error).toMatch(/date_range/);
    expect((await anonymous(`/api/share/${lockedLink.slug}/v2/props?date_range=day`)).status).toBe(401);
  });
});

describe('a password-protected link', () => {
  const path = () => `/api/share/${lockedLink.slug}/v2/query`;
  const body = { metrics: ['visitors'], date_range: 'day' };

  it('401s until unlocked, then answers with the unlock cookie', async () => {
    const locked = await anonymous(path(), { body });
    expect((await json<{ error: string }>(locked, 401)).error).toMatch(/password/);
    expect((await anonymous(`/api/share/${lockedLink.slug}/v2/site-context`)).status).toBe(401);

    const wrong = await anonymous(`/api/share/${lockedLink.slug}/unlock`, { body: { password: 'guess' } });
    expect(wrong.status).toBe(401);
    const unlocked = await anonymous(`/api/share/${lockedLink.slug}/unlock`, { body: { password: LINK_PASSWORD } });
    expect(unlocked.status).toBe(204);
    const cookie = unlocked.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(new RegExp(`^sl_share_${lockedLink.id}=`));

    const answer = await json<Answer>(await anonymous(path(), { body, cookie }));
    expect(answer.results[0]!.metrics).toEqual([EXPECTED.visitors]);
  });

  it("is not opened by another link's unlock cookie or a forged one", async () => {
    const forged = `sl_share_${lockedLink.id}=sl_share_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    expect((await anonymous(path(), { body, cookie: forged })).status).toBe(401);
  });
});

describe('public dashboards and dead links', () => {
  it('opens a public site by its domain and keeps a private one closed', async () => {
    const body = { metrics: ['visitors'], date_range: 'day' };
    expect((await anonymous(`/api/share/${SHARED}/v2/query`, { body })).status).toBe(404);
    await app.server.stores.meta.sites.update(shared.site.id, { isPublic: true });
    try {
      const answer = await json<Answer>(await anonymous(`/api/share/${SHARED}/v2/query`, { body }));
      expect(answer.results[0]!.metrics).toEqual([EXPECTED.visitors]);
      const context = await json<{ role: string }>(await anonymous(`/api/share/${SHARED}/v2/site-context`));
      expect(context.role).toBe('public');
    } finally {
      await app.server.stores.meta.sites.update(shared.site.id, { isPublic: false });
    }
    expect((await anonymous(`/api/share/${PRIVATE}/v2/query`, { body })).status).toBe(404);
    expect((await anonymous(`/api/share/${PRIVATE}/v2/realtime`)).status).toBe(404);
  });

  it('404s an unknown slug, and a link once it is deleted', async () => {
    const body = { metrics: ['visitors'], date_range: 'day' };
    expect((await anonymous(`/api/share/${newShareSlug()}/v2/query`, { body })).status).toBe(404);
    const link = await app.server.stores.meta.shareLinks.create({
      siteId: shared.site.id,
      slug: newShareSlug(),
      name: 'Short-lived',
      passwordHash: null,
    });
    expect((await anonymous(`/api/share/${link.slug}/v2/query`, { body })).status).toBe(200);
    await app.server.stores.meta.shareLinks.delete(link.id);
    expect((await anonymous(`/api/share/${link.slug}/v2/query`, { body })).status).toBe(404);
  });
});
