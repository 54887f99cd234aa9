import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPipeline } from '../../packages/server/src/ingest/pipeline.js';
import { createReferrerClassifier } from '../../packages/server/src/ingest/enrich/referrer.js';
import { createSpamReferrerList } from '../../packages/server/src/ingest/enrich/spam.js';
import { createGeoLocator } from '../../packages/server/src/ingest/enrich/geo.js';
import { createMemoryStateStore } from '../../packages/server/src/storage/state/memory.js';
import { createJournal } from '../../packages/server/src/ingest/journal.js';
import { parsePlausibleBody } from '../../packages/server/src/ingest/formats/plausible.js';
import { buildRequestPool } from './request-mix.js';

const salt = Buffer.alloc(32, 7);
const site = { id: 1, publicId: 'x', domain: 'bench.example', timezone: 'UTC', createdAt: new Date() };
const geo = createGeoLocator({}); geo.preload();
const pipeline = createPipeline({
  sites: { findByDomain: async () => site, findByPublicId: async () => site, findById: async () => site } as any,
  salts: { saltFor: async () => salt },
  state: createMemoryStateStore({}),
  referrers: createReferrerClassifier(), spam: createSpamReferrerList(), geo,
  clock: Date.now, rateLimits: { perIpPerMinute: 3000, perSitePerMinute: 600000 },
});
const pool = buildRequestPool({ size: 8192, visitors: 2000, seed: 1, domain: 'bench.example' } as any) as any[];
console.log(Object.keys(pool[0]));
const N = 40000;
const raws = [];
for (let i = 0; i < N; i++) { const r = pool[i % pool.length]; raws.push(r); }
const ctxOf = (r: any) => ({ ip: r.headers?.['x-forwarded-for'] ?? '1.2.3.4', userAgent: r.headers?.['user-agent'] ?? '', headers: r.headers ?? {}, receivedAt: Date.now(), source: 'web' as const });
// warm
const rows: any[] = [];
for (let i = 0; i < 5000; i++) { const r = raws[i]; const p = parsePlausibleBody(JSON.parse(r.body.toString())); if (p.ok) for (const e of p.events) await pipeline.process(e, ctxOf(r)); }
let t = performance.now();
for (let i = 0; i < N; i++) { const r = raws[i]; const p = parsePlausibleBody(JSON.parse(r.body.toString())); if (p.ok) for (const e of p.events) { const res = await pipeline.process(e, ctxOf(r)); if (res[0]?.ok) rows.push(res[0].row); } }
console.log('pipeline µs/event', ((performance.now() - t) * 1000 / N).toFixed(1), rows.length);
const journal = await createJournal({ dir: mkdtempSync(join(tmpdir(), 'j-')), fsync: false, maxPending: 1e9 });
t = performance.now();
for (let i = 0; i < rows.length; i += 16) await journal.append(rows.slice(i, i + 16));
console.log('journal append µs/event', ((performance.now() - t) * 1000 / rows.length).toFixed(1));
t = performance.now(); let n = 0;
for (;;) { const b = await journal.readBatch(50000); if (!b) break; n += b.rows.length; await b.commit(); }
console.log('journal read µs/event', ((performance.now() - t) * 1000 / n).toFixed(1), n);
process.exit(0);
