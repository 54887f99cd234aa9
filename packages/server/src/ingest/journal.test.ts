import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleEventRow, sampleEventRows } from '../storage/events/event-row.fixture.js';
import { eventInsertJson, InvalidEventRowError } from '../storage/events/event-row.js';
import {
  crc32,
  crc32Tables,
  createJournal,
  type Journal,
  JournalClosedError,
  JournalLockedError,
  type JournalOptions,
  OverloadedError,
} from './journal.js';

const dirs: string[] = [];
const journals: Journal[] = [];

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-journal-'));
  dirs.push(dir);
  return dir;
}

async function openJournal(dir: string, options: Partial<JournalOptions> = {}): Promise<Journal> {
  const journal = await createJournal({ dir, fsync: true, maxPending: 100_000, ...options });
  journals.push(journal);
  return journal;
}

/** Reads and commits every batch; returns the event ids in journal order. */
async function drain(journal: Journal, max = 1000): Promise<string[]> {
  const ids: string[] = [];
  for (let batch = await journal.readBatch(max); batch; batch = await journal.readBatch(max)) {
    ids.push(...batch.rows.map((row) => row.event_id));
    await batch.commit();
  }
  return ids;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('segment-'))
    .sort();
}

afterEach(async () => {
  for (const journal of journals.splice(0)) await journal.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('journal', () => {
  it('commits concurrent appends together: every append resolves, with far fewer fsyncs than appends', async () => {
    const journal = await openJournal(freshDir());
    const rows = sampleEventRows(300);
    await Promise.all(rows.map((row) => journal.append([row])));
    const stats = journal.stats();
    expect(stats.pending).toBe(300);
    expect(stats.appends).toBe(300);
    expect(stats.syncs).toBeLessThanOrEqual(3);
    expect(stats.writes).toBe(stats.syncs);
    expect(await drain(journal)).toEqual(rows.map((row) => row.event_id));
  });

  it('keeps appends arriving during a write for the next single write', async () => {
    const journal = await openJournal(freshDir());
    const first = journal.append(sampleEventRows(1));
    await new Promise((resolve) => setImmediate(resolve));
    // The first write is in flight now; these 50 must share one write and one fsync.
    const rest = Array.from({ length: 50 }, () => journal.append(sampleEventRows(2)));
    await Promise.all([first, ...rest]);
    expect(journal.stats().syncs).toBe(2);
    expect(journal.pending()).toBe(101);
  });

  it('replays everything not checkpointed after a reopen, in order and intact', async () => {
    const dir = freshDir();
    const journal = await openJournal(dir);
    const rows = sampleEventRows(30, { props: { plan: 'pro' }, visitor_id: '18446744073709551615' });
    for (let i = 0; i < 30; i += 10) await journal.append(rows.slice(i, i + 10));
    const first = await journal.readBatch(12);
    await first?.commit();
    await journal.close();

    const reopened = await openJournal(dir);
    expect(reopened.pending()).toBe(18);
    const batch = await reopened.readBatch(100);
    expect(batch?.rows).toEqual(rows.slice(12));
  });

  it('hands out a batch bigger than one read of the segment whole: every record once, in order', async () => {
    const journal = await openJournal(freshDir());
    // About 1.5 KB per record: 4,000 of them span two of the 4 MB reads, with records cut at the chunk edge.
    const rows = sampleEventRows(4000, { title: 't'.repeat(500), props: { note: 'n'.repeat(800) } });
    for (let i = 0; i < rows.length; i += 500) await journal.append(rows.slice(i, i + 500));
    const batch = await journal.readBatch(1_000_000);
    expect(batch?.encoded.count).toBe(4000);
    expect(batch?.encoded.payload.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(batch?.encoded.payload.toString('utf8')).toBe(rows.map(eventInsertJson).join('\n'));
    const smaller = await openJournal(freshDir());
    await smaller.append(rows.slice(0, 3000));
    expect((await smaller.readBatch(2999))?.rows.map((row) => row.event_id)).toEqual(
      rows.slice(0, 2999).map((row) => row.event_id),
    );
  });

  it('hands out the same batch until it is committed, and exactly that range again after a crash', async () => {
    const dir = freshDir();
    const journal = await openJournal(dir);
    await journal.append(sampleEventRows(30));
    const batch = await journal.readBatch(10);
    expect(batch?.rows).toHaveLength(10);
    const again = await journal.readBatch(25);
    expect(again?.token).toBe(batch?.token);
    // "Crash" with the batch handed out but not committed: the intent is on disk.
    await journal.close();

    const reopened = await openJournal(dir);
    expect(reopened.pending()).toBe(30);
    const replayed = await reopened.readBatch(25);
    expect(replayed?.token).toBe(batch?.token);
    expect(replayed?.rows.map((r) => r.event_id)).toEqual(batch?.rows.map((r) => r.event_id));
    await replayed?.commit();
    const next = await reopened.readBatch(25);
    expect(next?.rows).toHaveLength(20);
    expect(next?.token).not.toBe(batch?.token);
  });

  it('runs ahead of its records with zeros, which reopening reads as the end, not as damage', async () => {
    const dir = freshDir();
    const warnings: string[] = [];
    const journal = await createJournal({
      dir,
      fsync: true,
      maxPending: 1000,
      logger: { warn: (_details, message) => warnings.push(message) },
    });
    await journal.append(sampleEventRows(5));
    await journal.close();
    const file = join(dir, segmentFiles(dir).find((name) => statSync(join(dir, name)).size > 0)!);
    const recordsEnd = endOfRecords(readFileSync(file));
    // Preallocated: the file is longer than its records, so appends overwrite existing blocks (no metadata to commit).
    expect(statSync(file).size).toBeGreaterThan(recordsEnd + 1024 * 1024);

    const reopened = await createJournal({
      dir,
      fsync: true,
      maxPending: 1000,
      logger: { warn: (_details, message) => warnings.push(message) },
    });
    expect(reopened.pending()).toBe(5);
    expect(warnings).toEqual([]);
    expect(await drain(reopened)).toHaveLength(5);
  });

  it('cuts off a torn tail left by an interrupted write, keeping every complete record', async () => {
    const dir = freshDir();
    const journal = await openJournal(dir);
    const rows = sampleEventRows(10);
    for (const row of rows) await journal.append([row]);
    await journal.close();
    const withData = segmentFiles(dir).find((name) => statSync(join(dir, name)).size > 0)!;
    const recordsEnd = endOfRecords(readFileSync(join(dir, withData)));
    // Half a record where the next write would have gone: a header promising 500 bytes, then only a few.
    const header = Buffer.alloc(8);
    header.writeUInt32BE(500, 0);
    header.writeUInt32BE(crc32(Buffer.from('x')), 4);
    const handle = openSync(join(dir, withData), 'r+');
    writeSync(handle, Buffer.concat([header, Buffer.from('{"site_id":1')]), 0, undefined, recordsEnd);
    closeSync(handle);

    const reopened = await openJournal(dir);
    expect(reopened.pending()).toBe(10);
    expect(statSync(join(dir, withData)).size).toBe(recordsEnd);
    await reopened.append(sampleEventRows(2));
    expect(await drain(reopened)).toHaveLength(12);
  });

  it('drops a final record whose checksum does not match', async () => {
    const dir = freshDir();
    const journal = await openJournal(dir);
    await journal.append(sampleEventRows(3));
    await journal.close();
    const withData = segmentFiles(dir).find((name) => statSync(join(dir, name)).size > 0)!;
    // A record with a valid length but the wrong CRC, as a write torn inside its payload would leave.
    const payload = Buffer.from(JSON.stringify(sampleEventRow()));
    const header = Buffer.alloc(8);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE((crc32(payload) + 1) >>> 0, 4);
    appendFileSync(join(dir, withData), Buffer.concat([header, payload]));

    const reopened = await openJournal(dir);
    expect(reopened.pending()).toBe(3);
  });

  it('refuses appends beyond maxPending with a retry hint, and accepts again once flushed', async () => {
    const journal = await openJournal(freshDir(), { maxPending: 100, retryAfterSeconds: 3 });
    await journal.append(sampleEventRows(100));
    const refused = journal.append(sampleEventRows(1));
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 3 });
    expect(journal.pending()).toBe(100);
    await drain(journal, 60);
    expect(journal.pending()).toBe(0);
    await expect(journal.append(sampleEventRows(100))).resolves.toBeUndefined();
  });

  it('rotates segments and deletes them once flushed', async () => {
    const dir = freshDir();
    const journal = await openJournal(dir, { segmentBytes: 8192 });
    const rows = sampleEventRows(200);
    for (let i = 0; i < 200; i += 20) await journal.append(rows.slice(i, i + 20));
    expect(segmentFiles(dir).length).toBeGreaterThan(5);
    expect(await drain(journal, 37)).toEqual(rows.map((row) => row.event_id));
    expect(segmentFiles(dir)).toHaveLength(1);
    await journal.close();
    const reopened = await openJournal(dir, { segmentBytes: 8192 });
    expect(reopened.pending()).toBe(0);
    expect(await reopened.readBatch(10)).toBeUndefined();
  });

  it('rejects a row the event store could not store, journaling nothing of that append', async () => {
    const journal = await openJournal(freshDir());
    const bad = sampleEventRow({ screen_w: 70_000 });
    await expect(journal.append([sampleEventRow(), bad])).rejects.toBeInstanceOf(InvalidEventRowError);
    expect(journal.pending()).toBe(0);
    expect(await journal.readBatch(10)).toBeUndefined();
  });

  it('writes what was appended before close, and refuses appends after', async () => {
    const dir = freshDir();
    const journal = await openJournal(dir, { fsync: false });
    const appended = journal.append(sampleEventRows(5));
    await journal.close();
    await appended;
    await expect(journal.append(sampleEventRows(1))).rejects.toBeInstanceOf(JournalClosedError);
    const reopened = await openJournal(dir, { fsync: false });
    expect(reopened.pending()).toBe(5);
  });

  it('refuses a directory another live process holds', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'journal.lock'), String(process.ppid));
    await expect(createJournal({ dir, fsync: true, maxPending: 10 })).rejects.toBeInstanceOf(JournalLockedError);
  });

  it('gives a recreated journal new tokens, so old dedup entries can never swallow new batches', async () => {
    const dir = freshDir();
    const journal = await openJournal(dir);
    await journal.append(sampleEventRows(5));
    const before = (await journal.readBatch(10))?.token;
    await journal.close();
    rmSync(dir, { recursive: true });
    const recreated = await openJournal(dir);
    await recreated.append(sampleEventRows(5));
    const after = (await recreated.readBatch(10))?.token;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});

describe('journal record checksum', () => {
  /** The textbook bit-at-a-time CRC-32 (what zlib and gzip compute), against which the fast version is held. */
  function bitwiseCrc32(data: Uint8Array): number {
    let crc = 0xffffffff;
    for (const byte of data) {
      crc ^= byte;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
    }
    return (crc ^ 0xffffffff) >>> 0;
  }

  it('gives the standard check value, so journals written before stay readable', () => {
    expect(crc32(Buffer.from('123456789')).toString(16)).toBe('cbf43926');
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('matches the bit-at-a-time CRC-32 for any bytes, length and offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 7 }), (bytes, offset) => {
        const view = bytes.subarray(Math.min(offset, bytes.length));
        expect(crc32(view)).toBe(bitwiseCrc32(view));
        // The table version, which Node versions without zlib.crc32 use, must agree too.
        expect(crc32Tables(view)).toBe(bitwiseCrc32(view));
      }),
    );
  });
});

/** Offset just past the last whole record (where a zero header, or the end of the file, starts). */
function endOfRecords(data: Buffer): number {
  let offset = 0;
  while (offset + 8 <= data.length) {
    const size = data.readUInt32BE(offset);
    if (size === 0) break;
    offset += 8 + size;
  }
  return offset;
}
