// Spool on local disk: append-only segment files `seg-<firstSeq>.log` and a `cursor.json` (the next
// sequence number to send), both fsync'd. A record is `u32 length, u32 crc32, f64 spooledAtMs,
// u16 key length, key, value`; at open a torn or corrupt tail (a crash mid-write) is cut off, so a
// kill -9 at any moment loses only what was never acknowledged as appended.
//
// Bounds: when the segments exceed maxBytes, or the oldest segment holds only records older than
// maxAgeMs, whole oldest segments are dropped (the spool keeps the newest data) and `onDrop` says
// what was dropped and why. Segments whose records are all acknowledged are deleted.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ShiftstreamError } from '../../errors.js';
import type { Spool, SpoolDrop, SpooledRecord, SpoolRecord, SpoolStats } from '../../ports/spool.js';

const HEADER = 8;
const FIXED = 10; // f64 spooledAt + u16 key length
const READ_CHUNK = 1 << 20;
/** Durable records kept in memory for the reader (served without reading them back), at most. */
const FRESH_MAX = 65_536;

export interface FileSpoolOptions {
  readonly dir: string;
  /** Roll to a new segment beyond this size. Default 16 MiB. */
  readonly segmentBytes?: number;
  /** Bound of all segments together. Default 1 GiB. */
  readonly maxBytes?: number;
  /** Records older than this are dropped (whole segments). Default 7 days. */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
  readonly onDrop?: (drop: SpoolDrop) => void;
}

interface Segment {
  readonly firstSeq: number;
  readonly path: string;
  count: number;
  bytes: number;
  firstAtMs: number;
  lastAtMs: number;
}

interface Queued {
  readonly buf: Buffer;
  readonly records: readonly SpoolRecord[];
  readonly count: number;
  readonly atMs: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

const segName = (firstSeq: number): string => `seg-${String(firstSeq).padStart(16, '0')}.log`;

function spoolError(dir: string, what: string, cause?: unknown): ShiftstreamError {
  return new ShiftstreamError('SHIFTSTREAM_INPUT_INVALID', `spool ${dir}: ${what}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { dir },
  });
}

/** Parses the records of a segment's bytes; stops at the first torn or corrupt record. */
function parseSegment(buf: Buffer, firstSeq: number): { records: SpooledRecord[]; validBytes: number } {
  const records: SpooledRecord[] = [];
  let off = 0;
  while (off + HEADER <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < FIXED || off + HEADER + len > buf.length) break;
    const body = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(body) !== buf.readUInt32LE(off + 4)) break;
    const keyLen = body.readUInt16LE(8);
    if (FIXED + keyLen > len) break;
    records.push({
      seq: firstSeq + records.length,
      spooledAtMs: body.readDoubleLE(0),
      key: body.toString('utf8', FIXED, FIXED + keyLen),
      value: Buffer.from(body.subarray(FIXED + keyLen)),
    });
    off += HEADER + len;
  }
  return { records, validBytes: off };
}

/** The records as one buffer (one allocation per append: this runs per MQTT message). */
function encode(records: readonly SpoolRecord[], atMs: number): Buffer {
  let size = 0;
  for (const r of records) {
    const keyLen = Buffer.byteLength(r.key, 'utf8');
    if (keyLen > 0xffff) throw new RangeError(`spool: a key of ${keyLen} bytes (at most 65535)`);
    size += HEADER + FIXED + keyLen + r.value.length;
  }
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const r of records) {
    const body = off + HEADER;
    out.writeDoubleLE(atMs, body);
    const keyLen = out.write(r.key, body + FIXED, 'utf8');
    out.writeUInt16LE(keyLen, body + 8);
    r.value.copy(out, body + FIXED + keyLen);
    const end = body + FIXED + keyLen + r.value.length;
    out.writeUInt32LE(end - body, off);
    out.writeUInt32LE(crc32(out.subarray(body, end)), off + 4);
    off = end;
  }
  return out;
}

export class FileSpool implements Spool {
  id = '';
  private readonly segments: Segment[] = [];
  private active: fs.FileHandle | undefined;
  private nextSeq = 0;
  /** Next seq to send (durable in cursor.json). */
  private cursor = 0;
  /** Next seq to hand out by read(). */
  private readSeq = 0;
  private readonly segmentBytes: number;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** The reader's open segment and offset (records of readSeg from readSeqInSeg on). */
  private reader: { seg: Segment; handle: fs.FileHandle; offset: number; seq: number } | undefined;
  /** Appends waiting for the next group commit round. */
  private queued: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private readBuf: Buffer | undefined;
  /**
   * The newest durable records, consecutive and ending at nextSeq: `fresh[i]` has seq
   * `freshFirst + i - freshHead`. Following live input, the reader takes them from here instead of
   * reading back, parsing and checking what was just written; older ones (a backlog beyond
   * FRESH_MAX, or after a restart) come from the segment files.
   */
  private fresh: SpooledRecord[] = [];
  private freshHead = 0;
  private freshFirst = 0;

  private constructor(private readonly o: FileSpoolOptions) {
    this.segmentBytes = o.segmentBytes ?? 16 << 20;
    this.maxBytes = o.maxBytes ?? 1 << 30;
    this.maxAgeMs = o.maxAgeMs ?? 7 * 86_400_000;
    this.now = o.now ?? Date.now;
  }

  /** Opens (or creates) the spool in `dir`, cutting a torn tail and restoring the cursor. */
  static async open(options: FileSpoolOptions): Promise<FileSpool> {
    const s = new FileSpool(options);
    await s.recover();
    return s;
  }

  private async recover(): Promise<void> {
    const dir = this.o.dir;
    try {
      await fs.mkdir(dir, { recursive: true });
    } catch (err) {
      throw spoolError(dir, `expected a writable directory, found: ${(err as Error).message}`, err);
    }
    this.id = await spoolId(dir);
    const names = (await fs.readdir(dir)).filter((n) => /^seg-\d{16}\.log$/.test(n)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const firstSeq = Number(name.slice(4, 20));
      const buf = await fs.readFile(path);
      const { records, validBytes } = parseSegment(buf, firstSeq);
      if (validBytes < buf.length) await fs.truncate(path, validBytes); // a torn tail: never acknowledged
      if (records.length === 0 && name !== names[names.length - 1]) {
        await fs.rm(path);
        continue;
      }
      this.segments.push({
        firstSeq,
        path,
        count: records.length,
        bytes: validBytes,
        firstAtMs: records[0]?.spooledAtMs ?? this.now(),
        lastAtMs: records[records.length - 1]?.spooledAtMs ?? this.now(),
      });
    }
    const last = this.segments[this.segments.length - 1];
    this.nextSeq = last === undefined ? 0 : last.firstSeq + last.count;
    let cursor = this.segments[0]?.firstSeq ?? 0;
    try {
      const c = JSON.parse(await fs.readFile(join(dir, 'cursor.json'), 'utf8')) as { nextSeq?: unknown };
      if (typeof c.nextSeq === 'number' && Number.isSafeInteger(c.nextSeq)) cursor = Math.max(cursor, c.nextSeq);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw spoolError(dir, `expected cursor.json to hold {"nextSeq": <int>}, found: ${(err as Error).message}`, err);
    }
    this.cursor = Math.min(cursor, this.nextSeq);
    this.readSeq = this.cursor;
    if (last === undefined) await this.roll();
    else this.active = await fs.open(last.path, 'a');
  }

  private async roll(): Promise<void> {
    await this.active?.close();
    const seg: Segment = {
      firstSeq: this.nextSeq,
      path: join(this.o.dir, segName(this.nextSeq)),
      count: 0,
      bytes: 0,
      firstAtMs: this.now(),
      lastAtMs: this.now(),
    };
    this.active = await fs.open(seg.path, 'a');
    this.segments.push(seg);
    await this.syncDir();
  }

  private async syncDir(): Promise<void> {
    const d = await fs.open(this.o.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  /**
   * Group commit: the records are encoded and queued at once (the order of the calls is the order
   * in the spool); one writer writes everything queued since its last round in one write and one
   * fdatasync, and only then resolves the appends that round covered. An append that arrives while
   * a round's fdatasync runs waits for the next round: a promise never resolves before the
   * fdatasync that started after its bytes were written.
   */
  append(records: readonly SpoolRecord[]): Promise<void> {
    if (records.length === 0) return this.idle();
    const atMs = this.now();
    const buf = encode(records, atMs);
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ buf, records, count: records.length, atMs, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves once nothing is queued or being written. */
  private async idle(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** The writer; it clears `flushing` in the same step that finds the queue empty, so no append is left behind. */
  private async flush(): Promise<void> {
    for (;;) {
      if (this.queued.length === 0) {
        this.flushing = undefined;
        return;
      }
      const round = this.queued.splice(0);
      try {
        await this.commitRound(round);
      } catch (err) {
        for (const q of round) q.reject(err as Error); // no-op for the parts already durable and resolved
      }
    }
  }

  /**
   * Writes a round (rolling segments where a segment would grow past segmentBytes): per segment one
   * write, one fdatasync, then its appends resolve.
   */
  private async commitRound(round: readonly Queued[]): Promise<void> {
    let i = 0;
    while (i < round.length) {
      const seg = this.segments[this.segments.length - 1]!;
      if (seg.bytes > 0 && seg.bytes + round[i]!.buf.length > this.segmentBytes) {
        await this.roll();
        continue;
      }
      // At least one append per segment (a record larger than a segment gets a segment of its own).
      let bytes = seg.bytes + round[i]!.buf.length;
      let j = i + 1;
      while (j < round.length && bytes + round[j]!.buf.length <= this.segmentBytes) bytes += round[j++]!.buf.length;
      const part = round.slice(i, j);
      const buf = part.length === 1 ? part[0]!.buf : Buffer.concat(part.map((q) => q.buf));
      await this.active!.write(buf, 0, buf.length);
      await this.active!.datasync();
      for (const q of part) {
        if (seg.count === 0) seg.firstAtMs = q.atMs;
        seg.count += q.count;
        seg.bytes += q.buf.length;
        seg.lastAtMs = q.atMs;
        this.keepFresh(q);
        this.nextSeq += q.count;
      }
      i = j;
      try {
        await this.enforceBounds(part[part.length - 1]!.atMs);
      } finally {
        for (const q of part) q.resolve(); // durable, whatever the bounds did
      }
    }
  }

  /** Called with the durable records of `q`, before nextSeq moves past them. */
  private keepFresh(q: Queued): void {
    if (this.fresh.length - this.freshHead === 0) {
      this.fresh = [];
      this.freshHead = 0;
      this.freshFirst = this.nextSeq;
    }
    let seq = this.nextSeq;
    for (const r of q.records) this.fresh.push({ seq: seq++, spooledAtMs: q.atMs, key: r.key, value: r.value });
    this.forgetFresh(Math.max(this.cursor, this.nextSeq + q.count - FRESH_MAX));
  }

  /** Forgets the fresh records below `seq`. */
  private forgetFresh(seq: number): void {
    const n = this.fresh.length - this.freshHead;
    if (n === 0 || seq <= this.freshFirst) return;
    const drop = Math.min(n, seq - this.freshFirst);
    this.freshHead += drop;
    this.freshFirst += drop;
    if (this.freshHead > 4096 && this.freshHead * 2 > this.fresh.length) {
      this.fresh = this.fresh.slice(this.freshHead);
      this.freshHead = 0;
    }
  }

  /** Drops whole oldest segments (not the active one) beyond maxBytes or older than maxAgeMs. */
  private async enforceBounds(nowMs: number): Promise<void> {
    for (;;) {
      const oldest = this.segments[0];
      if (oldest === undefined || this.segments.length === 1) return;
      const total = this.segments.reduce((a, s) => a + s.bytes, 0);
      const reason = total > this.maxBytes ? 'max-bytes' : nowMs - oldest.lastAtMs > this.maxAgeMs ? 'max-age' : null;
      if (reason === null) return;
      const unacked = Math.max(0, oldest.firstSeq + oldest.count - Math.max(this.cursor, oldest.firstSeq));
      this.segments.shift();
      if (this.reader?.seg === oldest) {
        await this.reader.handle.close();
        this.reader = undefined;
      }
      await fs.rm(oldest.path, { force: true });
      const after = oldest.firstSeq + oldest.count;
      if (this.cursor < after) {
        this.cursor = after;
        this.forgetFresh(this.cursor);
        await this.writeCursor();
      }
      if (this.readSeq < after) this.readSeq = after;
      if (unacked > 0)
        this.o.onDrop?.({
          reason,
          records: unacked,
          bytes: oldest.bytes,
          fromSeq: after - unacked,
          toSeq: after - 1,
          oldestSpooledAtMs: oldest.firstAtMs,
          newestSpooledAtMs: oldest.lastAtMs,
        });
    }
  }

  async read(max: number): Promise<SpooledRecord[]> {
    const out: SpooledRecord[] = [];
    while (out.length < max && this.readSeq < this.nextSeq) {
      if (this.readSeq >= this.freshFirst && this.readSeq < this.freshFirst + this.fresh.length - this.freshHead) {
        const from = this.freshHead + (this.readSeq - this.freshFirst);
        const to = Math.min(this.fresh.length, from + (max - out.length));
        for (let i = from; i < to; i++) out.push(this.fresh[i]!);
        this.readSeq += to - from;
        continue;
      }
      const seg = this.segments.find((s) => this.readSeq >= s.firstSeq && this.readSeq < s.firstSeq + s.count);
      if (seg === undefined) {
        // A gap (segments dropped): continue at the next segment.
        const next = this.segments.find((s) => s.firstSeq > this.readSeq);
        if (next === undefined) break;
        this.readSeq = next.firstSeq;
        continue;
      }
      if (this.reader?.seg !== seg || this.reader.seq > this.readSeq) {
        await this.reader?.handle.close();
        this.reader = { seg, handle: await fs.open(seg.path, 'r'), offset: 0, seq: seg.firstSeq };
      }
      const r = this.reader;
      const buf = (this.readBuf ??= Buffer.allocUnsafe(READ_CHUNK)); // records are copied out of it
      const { bytesRead } = await r.handle.read(buf, 0, buf.length, r.offset);
      const { records } = parseSegment(buf.subarray(0, bytesRead), r.seq);
      if (records.length === 0) {
        if (bytesRead === buf.length)
          throw spoolError(
            this.o.dir,
            `expected records of at most ${buf.length} bytes in ${seg.path}, found a larger one`,
          );
        break;
      }
      let off = 0;
      for (const rec of records) {
        if (rec.seq >= seg.firstSeq + seg.count) break;
        if (rec.seq >= this.readSeq) {
          if (out.length >= max) break;
          out.push(rec);
        }
        off = recordEnd(buf, off);
        r.seq = rec.seq + 1;
      }
      r.offset += off;
      this.readSeq = Math.max(this.readSeq, r.seq);
    }
    return out;
  }

  async ack(seq: number): Promise<void> {
    if (seq + 1 <= this.cursor) return;
    this.cursor = Math.min(seq + 1, this.nextSeq);
    this.forgetFresh(this.cursor);
    await this.writeCursor();
    // Segments fully acknowledged (never the active one) go.
    while (this.segments.length > 1 && this.segments[0]!.firstSeq + this.segments[0]!.count <= this.cursor) {
      const done = this.segments.shift()!;
      if (this.reader?.seg === done) {
        await this.reader.handle.close();
        this.reader = undefined;
      }
      await fs.rm(done.path, { force: true });
    }
  }

  private async writeCursor(): Promise<void> {
    const tmp = join(this.o.dir, 'cursor.json.tmp');
    const h = await fs.open(tmp, 'w');
    try {
      await h.writeFile(JSON.stringify({ nextSeq: this.cursor }));
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, join(this.o.dir, 'cursor.json'));
  }

  rewind(): void {
    this.readSeq = this.cursor;
  }

  async tail(n: number): Promise<SpooledRecord[]> {
    await this.idle();
    const out: SpooledRecord[] = [];
    for (let i = this.segments.length - 1; i >= 0 && out.length < n; i--) {
      const seg = this.segments[i]!;
      const { records } = parseSegment(await fs.readFile(seg.path), seg.firstSeq);
      out.unshift(...records.slice(Math.max(0, records.length - (n - out.length))));
    }
    return out;
  }

  stats(nowMs: number): SpoolStats {
    const depth = this.nextSeq - this.cursor;
    const bytes = this.segments.reduce((a, s) => a + s.bytes, 0);
    const oldest = this.segments.find((s) => s.firstSeq + s.count > this.cursor && s.count > 0);
    return { depth, bytes, oldestAgeMs: depth === 0 || oldest === undefined ? null : nowMs - oldest.firstAtMs };
  }

  async close(): Promise<void> {
    await this.idle();
    await this.reader?.handle.close();
    this.reader = undefined;
    await this.active?.close();
    this.active = undefined;
  }
}

/** The spool's id, made once (spool.json, fsync'd). */
async function spoolId(dir: string): Promise<string> {
  const path = join(dir, 'spool.json');
  try {
    const o = JSON.parse(await fs.readFile(path, 'utf8')) as { id?: unknown };
    if (typeof o.id === 'string' && o.id.length > 0) return o.id;
    throw spoolError(dir, `expected spool.json to hold {"id": "<text>"}, found ${JSON.stringify(o)}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  const h = await fs.open(path, 'wx');
  try {
    await h.writeFile(JSON.stringify({ id }));
    await h.sync();
  } finally {
    await h.close();
  }
  return id;
}

/** The end offset of the record starting at `off`. */
function recordEnd(buf: Buffer, off: number): number {
  return off + HEADER + buf.readUInt32LE(off);
}
