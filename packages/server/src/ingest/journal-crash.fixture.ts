/**
 * Child process for journal-crash.test.ts: a miniature ingest node that a test kills with SIGKILL mid-run.
 *
 * It appends events to the journal from several concurrent "requests" while a flusher moves them into chDB, and
 * prints `ack <id,id,…>` for each append only AFTER it resolved: exactly what the HTTP layer would acknowledge.
 * Usage: node --import tsx journal-crash.fixture.ts <journalDir> <chdbDir> <database> <batchMax>
 */
import { randomUUID } from 'node:crypto';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRow } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import { createFlusher } from './flusher.js';
import { createJournal } from './journal.js';

const [journalDir, chdbDir, database, batchMaxArg] = process.argv.slice(2);
const batchMax = Number(batchMaxArg);
if (!journalDir || !chdbDir || !database || !Number.isInteger(batchMax) || batchMax < 1) {
  process.stderr.write('usage: journal-crash.fixture.ts <journalDir> <chdbDir> <database> <batchMax>\n');
  process.exit(2);
}

const store = createChdbEventStore({ dataDir: chdbDir, database });
await store.migrate();
const journal = await createJournal({ dir: journalDir, fsync: true, maxPending: 1_000_000 });
// A short interval and small batches put many insert/checkpoint windows inside the run, for the kill to land in.
// Each run gets a different batchMax: only the journal's recorded intent can then reproduce a crashed batch.
// An insert's answer can arrive well after ClickHouse committed it (a network hop away). Delaying it here widens the
// "stored but not checkpointed" window, so the kill often lands inside it: the case only dedup tokens can save.
const slowAcknowledgement: Pick<EventStore, 'insertBatch' | 'storedEventIds'> = {
  storedEventIds: (rows) => store.storedEventIds(rows),
  async insertBatch(rows, token) {
    await store.insertBatch(rows, token);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
  },
};
const flusher = createFlusher({ journal, store: slowAcknowledgement, intervalMs: 10, batchMax, retryInitialMs: 5 });
flusher.start();
process.stdout.write(`ready ${journal.pending()}\n`);

async function requestLoop(): Promise<never> {
  for (;;) {
    const rows = Array.from({ length: 1 + Math.floor(Math.random() * 20) }, () =>
      sampleEventRow({ event_id: randomUUID() }),
    );
    await journal.append(rows);
    // Acknowledged: from here on the event must end up stored exactly once, whatever happens.
    process.stdout.write(`ack ${rows.map((row) => row.event_id).join(',')}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, requestLoop));
