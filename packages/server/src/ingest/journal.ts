import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import type { EventRow } from '../domain/event.js';
import { eventInsertJson, eventRowFromInsertJson, findEventRowProblem } from '../storage/events/event-row.js';
import type { EncodedEventRows } from '../storage/events/event-store.js';

/**
 * The durable journal between ingestion and the event store (DESIGN.md, "Durability").
 *
 * Write side: `append` resolves only once its rows are written, and fdatasync'ed when `fsync` is on; the HTTP layer
 * acknowledges after that, so an acknowledged event survives kill -9 (and, with fsync, power loss). Appends that
 * arrive while a write is in flight share the next single write + fdatasync (group commit).
 *
 * Read side: the flusher takes one batch at a time. Batch boundaries are made reproducible across crashes: before a
 * batch is handed out its range is durably recorded as an intent; after the store accepted it, the checkpoint
 * advances durably. On open, a recorded intent is replayed as exactly the same range with the same token, so the
 * store's insert deduplication drops it if it had already been committed before the crash: none lost, none twice.
 *
 * On disk, in `dir`:
 * - `segment-<id>.log`: records `[u32 payload length][u32 CRC-32 of payload][payload = one row as JSON]`, big-endian.
 *   The active segment runs ahead of its records with zeros (see PREALLOCATE_BYTES); a zero length ends the records.
 *   A torn tail (length or CRC wrong) is cut off on open. Segments rotate at `segmentBytes`; a segment is deleted
 *   once everything in it is checkpointed.
 * - `state.json`: the checkpoint (first unflushed position) and the intent, replaced atomically (write, rename).
 * - `journal.json`: this journal's random id, part of every token, so a wiped and recreated journal never reuses one.
 * - `journal.lock`: the pid of the process that owns the directory.
 */

export interface JournalOptions {
  dir: string;
  /** fdatasync before acknowledging: off survives a process crash but not a power loss. */
  fsync: boolean;
  /** Most events accepted but not yet flushed; beyond it appends fail with OverloadedError (503 upstream). */
  maxPending: number;
  /** Segment size before rotation. */
  segmentBytes?: number;
  /** Extra wait before a write, to gather more appends into it. 0: only what arrives during the previous write. */
  commitWindowMs?: number;
  /** Largest batch handed to the flusher, in bytes of journal records. */
  maxBatchBytes?: number;
  /** Retry-After advertised on overload. */
  retryAfterSeconds?: number;
  logger?: JournalLogger;
}

/** A pino logger fits. */
export interface JournalLogger {
  warn(details: object, message: string): void;
}

/** One batch handed to the flusher. Its token is deterministic from (journal, segment, range). */
export interface JournalBatch {
  /** The batch as the store's insert payload, straight from the journal's records (no decode, no re-encode). */
  readonly encoded: EncodedEventRows;
  /** The rows decoded (on first access; the flusher never needs them). */
  readonly rows: EventRow[];
  readonly token: string;
  /**
   * True for the batch that was in flight when the journal was last open (a crash): the store may hold all of it,
   * none of it, or (when the engine's dedup log outlived the rows) claim it without holding it.
   */
  readonly recovered: boolean;
  readonly segment: number;
  readonly from: number;
  readonly to: number;
  /** Durably advances the checkpoint past this batch. Call only after the store accepted it. */
  commit(): Promise<void>;
}

export interface JournalStats {
  /** Events appended and not yet checkpointed as flushed. */
  pending: number;
  appends: number;
  /** Write calls (one per group commit). */
  writes: number;
  /** fdatasync calls on segments. */
  syncs: number;
  segments: number;
  bytesWritten: number;
}

/** A place in the journal: a byte offset in a segment. Segments are numbered in write order. */
export interface JournalPosition {
  segment: number;
  offset: number;
}

export interface Journal {
  append(rows: readonly EventRow[]): Promise<void>;
  pending(): number;
  /** Where the acknowledged records end right now: every append that resolved lies before it. */
  durableEnd(): JournalPosition;
  /**
   * The next batch of at most `max` events, or undefined when nothing is pending. Until it is committed, every call
   * returns that same batch (same rows, same token): retries never move batch boundaries.
   */
  readBatch(max: number): Promise<JournalBatch | undefined>;
  stats(): JournalStats;
  /** Writes what was already appended, then refuses further appends. An uncommitted batch stays for the next open. */
  close(): Promise<void>;
}

export class OverloadedError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('Too many events are waiting to be written to the event store; retry shortly');
    this.name = 'OverloadedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class JournalClosedError extends Error {
  constructor() {
    super('The journal is closed');
    this.name = 'JournalClosedError';
  }
}

export class JournalLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The journal in ${dir} is in use by process ${pid}. If that process is gone, delete ${join(dir, LOCK_FILE)}.`,
    );
    this.name = 'JournalLockedError';
  }
}

/** A write failed: nothing of the failing group was acknowledged, and its bytes were cut off again. */
export class JournalWriteError extends Error {
  constructor(cause: unknown) {
    super(`Writing to the journal failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'JournalWriteError';
  }
}

const HEADER_BYTES = 8;
/** Far above any validated row (LIMITS); a length beyond it can only be a torn or corrupt header. */
export const MAX_RECORD_BYTES = 1024 * 1024;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_BATCH_BYTES = 32 * 1024 * 1024;
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * The active segment is extended with zeros this far ahead of its records (as PostgreSQL pre-fills WAL segments).
 * An append that grows a file changes its size and block map, so its fdatasync must commit file-system metadata; on
 * ext4 (data=ordered) that commit also waits for every other file's freshly written data — the event store's new
 * parts. Overwriting blocks that already exist changes no metadata: fdatasync then writes only our records. One
 * metadata commit per 4 MB of records instead of one per group commit.
 */
const PREALLOCATE_BYTES = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(PREALLOCATE_BYTES);
const LOCK_FILE = 'journal.lock';
const STATE_FILE = 'state.json';
const META_FILE = 'journal.json';
const SEGMENT_NAME = /^segment-(\d{16})\.log$/;

type Position = JournalPosition;

interface Intent {
  segment: number;
  from: number;
  to: number;
}

interface JournalState {
  /** Everything before this position is in the event store. */
  flushed: Position;
  /** The batch handed out and not yet committed, if any. */
  intent: Intent | null;
}

interface Segment {
  id: number;
  path: string;
  /** Bytes of whole, acknowledged records: readers never look past it. */
  size: number;
  /** File length, zeros past `size` included (active segment only; see PREALLOCATE_BYTES). */
  allocated: number;
  /** No longer written: a newer segment exists. */
  sealed: boolean;
}

interface Waiter {
  data: Buffer;
  count: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export async function createJournal(options: JournalOptions): Promise<Journal> {
  const { dir, fsync } = options;
  if (!Number.isFinite(options.maxPending) || options.maxPending < 1) {
    throw new RangeError('Journal maxPending must be a positive number: it is what keeps memory bounded');
  }
  const maxPending = Math.floor(options.maxPending);
  const segmentBytes = Math.max(4096, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
  const commitWindowMs = Math.max(0, options.commitWindowMs ?? 0);
  const maxBatchBytes = Math.max(2 * MAX_RECORD_BYTES, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
  const retryAfterSeconds = options.retryAfterSeconds ?? 2;
  const logger = options.logger;

  await mkdir(dir, { recursive: true });
  await acquireLock(dir);
  try {
    return await openJournal();
  } catch (error) {
    await releaseLock(dir);
    throw error;
  }

  async function openJournal(): Promise<Journal> {
    const journalId = await loadOrCreateJournalId(dir, fsync);
    let state = await loadState(dir);

    // Segments on disk, oldest first. Those wholly before the checkpoint were flushed and only missed their unlink.
    const segments: Segment[] = [];
    for (const id of await listSegmentIds(dir)) {
      const path = segmentPath(dir, id);
      if (id < state.flushed.segment) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      segments.push({ id, path, size: 0, allocated: 0, sealed: true });
    }

    // Validate every record after the checkpoint, cut torn tails, count what is pending.
    let pendingRows = 0;
    for (const segment of segments) {
      const start = segment.id === state.flushed.segment ? state.flushed.offset : 0;
      const scan = await scanSegment(segment.path, start);
      if (scan.validEnd < scan.fileSize && !scan.zeroTail) {
        logger?.warn(
          { segment: segment.id, kept: scan.validEnd, dropped: scan.fileSize - scan.validEnd },
          'journal segment ends in an incomplete record (interrupted write); cutting it off',
        );
        await truncate(segment.path, scan.validEnd);
      }
      if (start > scan.validEnd) {
        // Only possible after losing unsynced writes (fsync off + power loss): nothing left to replay here.
        logger?.warn({ segment: segment.id }, 'journal checkpoint is past the end of its segment');
      }
      segment.size = scan.validEnd;
      pendingRows += scan.records;
    }

    const nextSegmentId = Math.max(state.flushed.segment, state.intent?.segment ?? 0, ...segments.map((s) => s.id)) + 1;

    // An intent is replayed only when it still describes whole records right at the checkpoint.
    let replay: Intent | undefined;
    if (state.intent) {
      const at = readPosition();
      const segment = segments.find((s) => s.id === state.intent?.segment);
      const intent = state.intent;
      if (
        at &&
        segment &&
        at.segment.id === intent.segment &&
        at.offset === intent.from &&
        intent.to <= segment.size &&
        intent.to > intent.from
      ) {
        replay = intent;
      } else {
        logger?.warn({ intent }, 'journal intent does not match the journal anymore; discarding it');
        state = { flushed: state.flushed, intent: null };
      }
    }

    const activePath = segmentPath(dir, nextSegmentId);
    let activeHandle: FileHandle = await open(activePath, 'wx');
    let active: Segment = { id: nextSegmentId, path: activePath, size: 0, allocated: 0, sealed: false };
    segments.push(active);
    if (fsync) await syncDirectory(dir);

    const queue: Waiter[] = [];
    let writing = false;
    let closed = false;
    let broken: unknown;
    let outstanding: JournalBatch | undefined;
    let stateChain: Promise<unknown> = Promise.resolve();
    let writeLoopDone: Promise<void> = Promise.resolve();
    const stats = { appends: 0, writes: 0, syncs: 0, bytesWritten: 0 };

    /** First unflushed record: the checkpoint, moved past sealed segments it has reached the end of. */
    function readPosition(): { segment: Segment; offset: number } | undefined {
      for (const segment of segments) {
        if (segment.id < state.flushed.segment) continue;
        const offset = segment.id === state.flushed.segment ? state.flushed.offset : 0;
        if (segment.sealed && offset >= segment.size) continue;
        return { segment, offset };
      }
      return undefined;
    }

    /** Serializes state-file updates and batch reads: one batch is out at a time. */
    function exclusive<T>(work: () => Promise<T>): Promise<T> {
      const result = stateChain.then(work);
      stateChain = result.catch(() => undefined);
      return result;
    }

    async function persistState(next: JournalState): Promise<void> {
      await writeFileAtomic(dir, STATE_FILE, JSON.stringify(next), fsync);
      state = next;
    }

    function encode(rows: readonly EventRow[]): Buffer {
      // The record is the insert's JSONCompactEachRow line, so flushing is a byte copy (see readRange). All records
      // go into one buffer, written in place: a header and a payload buffer per row, then a concat, cost more.
      const lines: string[] = new Array(rows.length);
      let size = 0;
      for (let index = 0; index < rows.length; index++) {
        const row = rows[index] as EventRow;
        const problem = findEventRowProblem(row);
        if (problem) throw problem;
        const line = eventInsertJson(row);
        const length = Buffer.byteLength(line, 'utf8');
        if (length > MAX_RECORD_BYTES)
          throw new RangeError(`An event row of ${length} bytes exceeds the journal's record limit`);
        lines[index] = line;
        size += HEADER_BYTES + length;
      }
      const data = Buffer.allocUnsafe(size);
      let offset = 0;
      for (const line of lines) {
        const length = data.write(line, offset + HEADER_BYTES, 'utf8');
        data.writeUInt32BE(length, offset);
        data.writeUInt32BE(crc32(data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length)), offset + 4);
        offset += HEADER_BYTES + length;
      }
      return data;
    }

    async function rotate(): Promise<void> {
      const id = active.id + 1;
      const path = segmentPath(dir, id);
      const handle = await open(path, 'wx');
      if (fsync) await syncDirectory(dir);
      const previous = activeHandle;
      active.sealed = true;
      active = { id, path, size: 0, allocated: 0, sealed: false };
      activeHandle = handle;
      segments.push(active);
      await previous.close().catch(() => undefined);
    }

    async function writeGroup(group: Waiter[]): Promise<void> {
      const data = group.length === 1 ? group[0]!.data : Buffer.concat(group.map((w) => w.data));
      const rows = group.reduce((sum, w) => sum + w.count, 0);
      try {
        if (broken) throw broken;
        if (active.size > 0 && active.size + data.length > segmentBytes) await rotate();
        const end = active.size + data.length;
        await writeFully(activeHandle, data, active.size);
        if (end > active.allocated) {
          // Zeros after the records, never over them: a crash mid-way leaves records, then zeros or a torn record,
          // both of which the open-time scan stops at.
          const target = Math.max(end, Math.min(end + PREALLOCATE_BYTES, segmentBytes));
          if (target > end) await writeFully(activeHandle, ZEROS.subarray(0, target - end), end);
          active.allocated = target;
        }
        stats.writes++;
        if (fsync) {
          await activeHandle.datasync();
          stats.syncs++;
        }
      } catch (error) {
        pendingRows -= rows;
        // Cut the partial group off so the next record starts on a boundary; if even that fails, stop accepting.
        await activeHandle.truncate(active.size).catch((truncateError: unknown) => {
          broken = truncateError;
        });
        active.allocated = active.size;
        const failure = new JournalWriteError(error);
        for (const waiter of group) waiter.reject(failure);
        return;
      }
      active.size += data.length;
      stats.bytesWritten += data.length;
      for (const waiter of group) waiter.resolve();
    }

    async function writeLoop(): Promise<void> {
      try {
        // Let appends of the same tick (or the commit window) join this write.
        await (commitWindowMs > 0 ? sleep(commitWindowMs) : new Promise((resolve) => setImmediate(resolve)));
        while (queue.length > 0) await writeGroup(queue.splice(0));
      } finally {
        writing = false;
      }
    }

    function startWriting() {
      if (writing) return;
      writing = true;
      writeLoopDone = writeLoop();
    }

    /**
     * Reads whole records from `from`, never past `limit`, at most `maxRows` of them, as the insert payload (records
     * joined by newlines). Reads in chunks, so a small batch does not pull a large backlog into memory, and copies
     * each checked record straight into the payload: no buffer per record, no second pass to join them.
     */
    async function readRange(segment: Segment, from: number, limit: number, maxRows: number) {
      const handle = await open(segment.path, fsConstants.O_RDONLY);
      try {
        const payloads: Buffer[] = [];
        let count = 0;
        let position = from;
        let consumed = from;
        let carry = Buffer.alloc(0);
        while (count < maxRows && position < limit) {
          const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, limit - position));
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          const data =
            carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
          // A record's payload plus its newline is never longer than the record with its 8-byte header.
          const out = Buffer.allocUnsafe(data.length);
          let written = 0;
          let offset = 0;
          while (count < maxRows && offset + HEADER_BYTES <= data.length) {
            const size = data.readUInt32BE(offset);
            const end = offset + HEADER_BYTES + size;
            if (size > MAX_RECORD_BYTES)
              throw new Error(`Journal segment ${segment.id} is corrupt at offset ${consumed}`);
            if (end > data.length) break;
            const payload = data.subarray(offset + HEADER_BYTES, end);
            if (crc32(payload) !== data.readUInt32BE(offset + 4)) {
              throw new Error(`Journal segment ${segment.id} is corrupt at offset ${consumed}`);
            }
            // Line-delimited JSON: JSON.stringify never emits a raw newline inside a record.
            if (count > 0) out[written++] = NEWLINE;
            written += payload.copy(out, written);
            count++;
            offset = end;
            consumed += HEADER_BYTES + size;
          }
          if (written > 0) payloads.push(out.subarray(0, written));
          carry = data.subarray(offset);
        }
        const rows = payloads.length === 1 ? (payloads[0] as Buffer) : Buffer.concat(payloads);
        return { rows, count, end: consumed };
      } finally {
        await handle.close();
      }
    }

    function makeBatch(
      segment: Segment,
      from: number,
      to: number,
      payload: Buffer,
      count: number,
      recovered: boolean,
    ): JournalBatch {
      let committed = false;
      let decoded: EventRow[] | undefined;
      const batch: JournalBatch = {
        encoded: { kind: 'encoded', payload, count },
        get rows() {
          decoded ??= count === 0 ? [] : payload.toString('utf8').split('\n').map(eventRowFromInsertJson);
          return decoded;
        },
        token: `${journalId}:${segment.id}:${from}-${to}`,
        recovered,
        segment: segment.id,
        from,
        to,
        commit: () =>
          exclusive(async () => {
            if (committed) return;
            // Not committed after close: the batch is replayed on the next open with the same token, and deduplicated.
            if (closed) throw new JournalClosedError();
            let flushed: Position = { segment: segment.id, offset: to };
            if (segment.sealed && to >= segment.size) {
              const next = segments.find((s) => s.id > segment.id);
              if (next) flushed = { segment: next.id, offset: 0 };
            }
            await persistState({ flushed, intent: null });
            committed = true;
            pendingRows -= count;
            if (outstanding === batch) outstanding = undefined;
            replay = undefined;
            // Flushed segments go; an unlink that fails is retried on the next open.
            while (segments.length > 1 && segments[0]!.id < flushed.segment) {
              const done = segments.shift()!;
              await unlink(done.path).catch((error: unknown) => {
                logger?.warn({ segment: done.id, err: error }, 'could not delete a flushed journal segment');
              });
            }
          }),
      };
      return batch;
    }

    return {
      append(rows: readonly EventRow[]): Promise<void> {
        if (closed) return Promise.reject(new JournalClosedError());
        if (broken) return Promise.reject(new JournalWriteError(broken));
        if (!Array.isArray(rows)) return Promise.reject(new TypeError('Journal append expects an array of event rows'));
        if (rows.length === 0) return Promise.resolve();
        // Counted from the moment of acceptance, so bytes waiting in memory are bounded too.
        if (pendingRows + rows.length > maxPending) return Promise.reject(new OverloadedError(retryAfterSeconds));
        let data: Buffer;
        try {
          data = encode(rows);
        } catch (error) {
          return Promise.reject(error);
        }
        pendingRows += rows.length;
        stats.appends++;
        return new Promise<void>((resolve, reject) => {
          queue.push({ data, count: rows.length, resolve, reject });
          startWriting();
        });
      },

      pending: () => pendingRows,

      durableEnd: () => ({ segment: active.id, offset: active.size }),

      readBatch(max: number): Promise<JournalBatch | undefined> {
        return exclusive(async () => {
          // After close the lock is released: another process may own the directory, so touch nothing.
          if (closed) throw new JournalClosedError();
          if (outstanding) return outstanding;
          const at = readPosition();
          if (!at) return undefined;
          const limit = Number.isFinite(max) && max >= 1 ? Math.floor(max) : 1;
          let batch: JournalBatch;
          if (replay) {
            // Exactly the range of the crashed attempt, whatever `max` is now: same token, so dedup can recognise it.
            const { rows, count, end } = await readRange(at.segment, replay.from, replay.to, Number.POSITIVE_INFINITY);
            if (end !== replay.to)
              throw new Error(`Journal segment ${at.segment.id} no longer holds the replayed range`);
            batch = makeBatch(at.segment, replay.from, replay.to, rows, count, true);
          } else {
            const limitEnd = Math.min(at.segment.size, at.offset + maxBatchBytes);
            if (limitEnd <= at.offset) return undefined;
            const { rows, count, end } = await readRange(at.segment, at.offset, limitEnd, limit);
            if (count === 0) return undefined;
            batch = makeBatch(at.segment, at.offset, end, rows, count, false);
            // The intent makes this exact range the first batch after a crash, whatever happens to the insert.
            await persistState({
              flushed: state.flushed,
              intent: { segment: at.segment.id, from: at.offset, to: end },
            });
          }
          outstanding = batch;
          return batch;
        });
      },

      stats: () => ({ pending: pendingRows, ...stats, segments: segments.length }),

      async close() {
        if (closed) return;
        closed = true;
        await writeLoopDone;
        while (writing) await writeLoopDone;
        await stateChain;
        await activeHandle.close().catch(() => undefined);
        await releaseLock(dir);
      },
    };
  }
}

/** Separates records in the insert payload. */
const NEWLINE = 0x0a;

function segmentPath(dir: string, id: number): string {
  return join(dir, `segment-${String(id).padStart(16, '0')}.log`);
}

async function listSegmentIds(dir: string): Promise<number[]> {
  const ids: number[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT_NAME.exec(name);
    if (match) ids.push(Number(match[1]));
  }
  return ids.sort((a, b) => a - b);
}

async function writeFully(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
    written += bytesWritten;
  }
}

/**
 * Walks records from `start`; stops at the first one that is incomplete or fails its CRC, or at a zero length (no
 * record is empty, so a zero header is the preallocated tail: an all-zero header would otherwise pass the CRC check
 * as an empty record). `zeroTail` tells a preallocated tail from a torn write.
 */
async function scanSegment(
  path: string,
  start: number,
): Promise<{ validEnd: number; fileSize: number; records: number; zeroTail: boolean }> {
  const data = await readFile(path);
  if (start >= data.length) return { validEnd: data.length, fileSize: data.length, records: 0, zeroTail: true };
  let offset = start;
  let records = 0;
  while (offset + HEADER_BYTES <= data.length) {
    const size = data.readUInt32BE(offset);
    const end = offset + HEADER_BYTES + size;
    if (size === 0 || size > MAX_RECORD_BYTES || end > data.length) break;
    if (crc32(data.subarray(offset + HEADER_BYTES, end)) !== data.readUInt32BE(offset + 4)) break;
    records++;
    offset = end;
  }
  return { validEnd: offset, fileSize: data.length, records, zeroTail: isAllZero(data, offset) };
}

function isAllZero(data: Buffer, from: number): boolean {
  for (let i = from; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

async function loadState(dir: string): Promise<JournalState> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { flushed: { segment: 0, offset: 0 }, intent: null };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<JournalState>;
  const flushed = parsed.flushed;
  if (!flushed || !isCount(flushed.segment) || !isCount(flushed.offset))
    throw new Error(`Unreadable journal state in ${dir}`);
  const intent = parsed.intent;
  const validIntent = intent && isCount(intent.segment) && isCount(intent.from) && isCount(intent.to) ? intent : null;
  return { flushed: { segment: flushed.segment, offset: flushed.offset }, intent: validIntent };
}

async function loadOrCreateJournalId(dir: string, fsync: boolean): Promise<string> {
  try {
    const meta = JSON.parse(await readFile(join(dir, META_FILE), 'utf8')) as { id?: unknown };
    if (typeof meta.id === 'string' && /^[0-9a-f-]{36}$/.test(meta.id)) return meta.id;
    throw new Error(`Unreadable journal id in ${join(dir, META_FILE)}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = randomUUID();
  await writeFileAtomic(dir, META_FILE, JSON.stringify({ format: 1, id }), fsync);
  return id;
}

/** Replaces `name` in `dir` all at once: readers see the old content or the new, never a mix. */
async function writeFileAtomic(dir: string, name: string, content: string, fsync: boolean): Promise<void> {
  const temporary = join(dir, `${name}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(content, 'utf8');
    if (fsync) await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, join(dir, name));
  if (fsync) await syncDirectory(dir);
}

/** Makes created, renamed and deleted names in `dir` durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function acquireLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  try {
    await writeFile(path, String(process.pid), { flag: 'wx' });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processIsAlive(owner)) {
    throw new JournalLockedError(dir, owner);
  }
  // The owner is gone (killed, crashed): the directory is ours.
  await writeFile(path, String(process.pid));
}

async function releaseLock(dir: string): Promise<void> {
  await unlink(join(dir, LOCK_FILE)).catch(() => undefined);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Slicing-by-8 tables: CRC_TABLES[0] is the classic byte-at-a-time table, CRC_TABLES[k] advances a byte through k
 * more zero bytes. Eight bytes per step make the CRC of every journaled record about 3x cheaper on the event loop.
 */
const CRC_TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const base = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    base[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = base[n]!;
    for (let k = 1; k < 8; k++) {
      c = base[c & 0xff]! ^ (c >>> 8);
      tables[k]![n] = c >>> 0;
    }
  }
  return tables as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
})();

/** zlib's own CRC-32 (Node 20.15 and later): about 3x faster than the tables below on a journal record. */
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE 802.3, as zlib and gzip compute it): zlib's where Node has it, else computed here. */
export function crc32(data: Uint8Array): number {
  return zlibCrc32 === undefined ? crc32Tables(data) : zlibCrc32(data);
}

/** CRC-32 with the slicing-by-8 tables; for Node versions without zlib.crc32, and to check it against. */
export function crc32Tables(data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES;
  let crc = 0xffffffff;
  let i = 0;
  const wholeWords = data.length - (data.length % 8);
  for (; i < wholeWords; i += 8) {
    const low = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    const high = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    crc =
      t7[low & 0xff]! ^
      t6[(low >>> 8) & 0xff]! ^
      t5[(low >>> 16) & 0xff]! ^
      t4[low >>> 24]! ^
      t3[high & 0xff]! ^
      t2[(high >>> 8) & 0xff]! ^
      t1[(high >>> 16) & 0xff]! ^
      t0[high >>> 24]!;
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
