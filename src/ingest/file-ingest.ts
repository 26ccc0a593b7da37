// `shiftstream ingest --input`: a historian export (NDJSON/CSV, gzip) -> raw samples on the plant's
// raw topic, through the same reader and the same rejects as `replay` (framing, records, mapSample
// in event time). Exactly once across restarts: every commit hands the sink a batch of records with
// the position they reach (the last line they cover), which the sink commits atomically (one Kafka
// transaction); a restart skips the lines up to the committed position and cuts the rejects file
// back to the bytes that position covers. The last transaction also writes an end-of-input
// watermark marker to every raw partition (docs/semantics.md section 6.1), so `run
// --event-time-only` closes what `replay` closes for the file. See docs/ingest.md.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Writable } from 'node:stream';
import { mapSample } from '../core/mapping.js';
import { MARKER_HEADER, movesEventTime, WATERMARK_MARKER_TAG, watermarkMarker } from '../core/raw-markers.js';
import type { PlantPlan } from '../core/plan.js';
import type { RawSample } from '../core/types.js';
import { ShiftstreamError } from '../errors.js';
import type { Codec } from '../ports/codecs.js';
import type { SinkRecord } from '../ports/event-sink.js';
import type { IngestPosition, IngestSink, InputIdentity } from '../ports/ingest-sink.js';
import { ExportFramer, MAX_LINE_CHARS, type RecordSink } from '../replay/framing.js';
import { formatFromName, openInput, type InputFormat } from '../replay/input.js';
import { LineSplitter } from '../replay/line-splitter.js';
import { compactCount, ProgressLine } from '../replay/progress.js';
import { isReject, type ParseResult } from '../replay/records.js';

const HEAD_BYTES = 64 * 1024;
const RAW_CHARS_KEPT = 4096;

export interface FileIngestCounters {
  /** Records read (samples and rejects) after the resume point. */
  readonly read: (n: number) => void;
  readonly produced: (n: number) => void;
  readonly rejected: (reason: string) => void;
}

export interface FileIngestOptions {
  readonly plan: PlantPlan;
  readonly rawTopic: string;
  /**
   * Partitions of the raw topic: the last transaction writes an end-of-input watermark marker to
   * each (semantics 6.1). 0: no markers.
   */
  readonly rawPartitions: number;
  /** A file path (stdin cannot resume, so it is not accepted). */
  readonly input: string;
  readonly format?: InputFormat;
  readonly codec: Codec<RawSample>;
  readonly sink: IngestSink;
  /** Where rejected lines go, one JSON object per line ({line, reason, detail, raw}). */
  readonly rejectsFile: string;
  /** Records (samples and rejects) per transaction. Default 10 000. */
  readonly batchRecords?: number;
  /** Ignore a recorded position that belongs to another file (size or head differ) and start over. */
  readonly restart?: boolean;
  readonly stderr: Writable & { isTTY?: boolean };
  readonly progress?: boolean;
  readonly signal?: AbortSignal;
  readonly showRejects?: number;
  readonly counters?: FileIngestCounters;
  readonly now?: () => number;
}

export interface FileIngestResult {
  readonly interrupted: boolean;
  /** The line the ingest resumed after (0: from the start). */
  readonly resumedAfterLine: number;
  readonly alreadyDone: boolean;
  /** Totals over every run of this input (from the committed position). */
  readonly position: IngestPosition;
  /** Records read in this run (after the resume point). */
  readonly readThisRun: number;
  readonly elapsedMs: number;
  readonly finalLine: string;
  /** The ts the end-of-input markers carry (written by this run; null: none written). */
  readonly markerTsMs: number | null;
}

/** Size and a hash of the first 64 KiB of the raw file: a changed export does not resume. */
export async function inputIdentity(path: string): Promise<InputIdentity> {
  const handle = await fs.open(path, 'r').catch((err: unknown) => {
    throw new ShiftstreamError(
      'SHIFTSTREAM_INPUT_INVALID',
      `--input ${path}: expected a readable file, found ${(err as Error).message}`,
      { cause: err, details: { file: path } },
    );
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile())
      throw new ShiftstreamError(
        'SHIFTSTREAM_INPUT_INVALID',
        `--input ${path}: expected a regular file (a position is kept per file), found ` +
          (stat.isDirectory() ? 'a directory' : 'a pipe or device'),
        { details: { file: path } },
      );
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, stat.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return {
      name: path,
      sizeBytes: stat.size,
      headSha256: createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex'),
    };
  } finally {
    await handle.close();
  }
}

function sameInput(a: InputIdentity, b: InputIdentity): boolean {
  return a.sizeBytes === b.sizeBytes && a.headSha256 === b.headSha256;
}

export async function runFileIngest(options: FileIngestOptions): Promise<FileIngestResult> {
  const now = options.now ?? (() => performance.now());
  const startMs = now();
  const identity = await inputIdentity(options.input);
  let recorded = await options.sink.open();
  if (recorded !== undefined && !sameInput(recorded.input, identity)) {
    if (options.restart !== true)
      throw new ShiftstreamError(
        'SHIFTSTREAM_USAGE',
        `ingest --input ${options.input}: a position (line ${recorded.line}) is recorded for this input, but the ` +
          `file changed: expected ${recorded.input.sizeBytes ?? '?'} bytes starting with sha256 ` +
          `${recorded.input.headSha256.slice(0, 12)}..., found ${identity.sizeBytes ?? '?'} bytes starting with ` +
          `${identity.headSha256.slice(0, 12)}... Pass --restart to ingest it from the start ` +
          `(lines written before stay on the topic), or --input-id to ingest it as another input.`,
        { details: { file: options.input, line: recorded.line } },
      );
    recorded = undefined;
  }
  // Done, with the markers on every raw partition: nothing left. Done without them (an older
  // version, or partitions added since): every line is skipped and the last commit writes them.
  if (recorded?.done === true && (recorded.markerPartitions ?? 0) >= options.rawPartitions) {
    const elapsedMs = Math.round(now() - startMs);
    return {
      interrupted: false,
      resumedAfterLine: recorded.line,
      alreadyDone: true,
      position: recorded,
      readThisRun: 0,
      elapsedMs,
      markerTsMs: null,
      finalLine:
        `ingest: ${options.input} was already ingested completely (${recorded.produced.toLocaleString('en-US')} ` +
        `samples, ${recorded.rejected.toLocaleString('en-US')} rejected); nothing to do`,
    };
  }
  const run = new FileIngest(options, identity, recorded, now, startMs);
  return run.run();
}

interface Batch {
  readonly records: SinkRecord[];
  readonly rejectLines: string[];
  readonly lastLine: number;
  /** Records (samples and rejects) it covers. */
  readonly count: number;
}

class FileIngest implements RecordSink {
  private readonly skipThrough: number;
  private readonly showRejects: number;
  private readonly batchRecords: number;
  private readonly progress: ProgressLine;
  private records: SinkRecord[] = [];
  private rejectLines: string[] = [];
  private pendingCount = 0;
  /** Full batches of the current chunk, committed in order after it (record() is synchronous). */
  private sealed: Batch[] = [];
  private lastLine: number;
  /** The last line of the committed batches. */
  private committedLine: number;
  private produced: number;
  private rejected: number;
  private rejectedBytes: number;
  private rejectsShown = 0;
  private readThisRun = 0;
  private readonly rejectedByReason = new Map<string, number>();
  private rejectsHandle: fs.FileHandle | undefined;
  /**
   * The highest ts of the file's samples that move event time, over every line (those a resumed
   * run skips too): the end-of-input marker is a function of the file alone, wherever kills landed.
   */
  private maxEventTsMs = -Infinity;
  private markerTsMs: number | null = null;

  constructor(
    private readonly o: FileIngestOptions,
    private readonly identity: InputIdentity,
    recorded: IngestPosition | undefined,
    private readonly now: () => number,
    private readonly startMs: number,
  ) {
    this.skipThrough = recorded?.line ?? 0;
    this.lastLine = this.skipThrough;
    this.committedLine = this.skipThrough;
    this.produced = recorded?.produced ?? 0;
    this.rejected = recorded?.rejected ?? 0;
    this.rejectedBytes = recorded?.rejectedBytes ?? 0;
    this.showRejects = o.showRejects ?? 20;
    this.batchRecords = o.batchRecords ?? 10_000;
    this.progress = new ProgressLine(o.stderr, o.progress ?? o.stderr.isTTY === true, 100, 'ingest');
  }

  async run(): Promise<FileIngestResult> {
    await this.openRejects();
    const input = await openInput(this.o.input);
    const format = this.o.format ?? formatFromName(this.o.input);
    const framer = new ExportFramer(this, this.o.input, format);
    const splitter = new LineSplitter(framer, MAX_LINE_CHARS);
    let interrupted = false;
    try {
      for await (const chunk of input.chunks) {
        splitter.push(chunk);
        if (framer.problem !== undefined) throw framer.problem;
        await this.commitSealed();
        this.progress.update(this.now(), () => ({
          samples: this.readThisRun,
          bytesRead: input.bytesRead(),
          sizeBytes: input.sizeBytes,
          elapsedMs: this.now() - this.startMs,
        }));
        if (this.o.signal?.aborted === true) {
          interrupted = true;
          break;
        }
      }
      if (!interrupted) {
        splitter.end();
        framer.end();
        if (framer.problem !== undefined) throw framer.problem;
      }
      // The last commit says done: a restart with the same input has nothing left to do.
      this.seal();
      await this.commitSealed(!interrupted);
      const position = this.position(!interrupted);
      this.progress.clear();
      const elapsedMs = Math.round(this.now() - this.startMs);
      return {
        interrupted,
        resumedAfterLine: this.skipThrough,
        alreadyDone: false,
        position,
        readThisRun: this.readThisRun,
        elapsedMs,
        markerTsMs: this.markerTsMs,
        finalLine: this.finalLine(interrupted, elapsedMs),
      };
    } finally {
      this.progress.clear();
      input.close();
      await this.rejectsHandle?.close();
    }
  }

  // ---- RecordSink ------------------------------------------------------------------------

  record(result: ParseResult, lineNo: number, raw: string): void {
    if (lineNo <= this.skipThrough) {
      // Committed by an earlier run; only its event time still counts (for the marker).
      if (!isReject(result)) this.noteEventTime(this.mapped(result));
      return;
    }
    this.readThisRun++;
    this.pendingCount++;
    this.lastLine = lineNo;
    this.accept(result, lineNo, raw);
    if (this.pendingCount >= this.batchRecords) this.seal();
  }

  private accept(result: ParseResult, lineNo: number, raw: string): void {
    if (isReject(result)) {
      this.reject(lineNo, result.reason, result.detail, raw);
      return;
    }
    const { sample, verdict } = this.mapped(result);
    if (!verdict.ok) {
      this.reject(lineNo, verdict.reason, verdict.detail, raw);
      return;
    }
    this.noteEventTime({ verdict });
    this.records.push({ topic: this.o.rawTopic, key: sample.tag, value: this.o.codec.encode(sample) });
  }

  private mapped(result: RawSample): { sample: RawSample; verdict: ReturnType<typeof mapSample> } {
    const tagPlan = this.o.plan.tags.get(result.tag);
    const sample: RawSample =
      tagPlan === undefined || tagPlan.tag === result.tag ? result : { ...result, tag: tagPlan.tag };
    return { sample, verdict: mapSample(this.o.plan, sample) };
  }

  private noteEventTime(m: { verdict: ReturnType<typeof mapSample> }): void {
    if (m.verdict.ok && movesEventTime(m.verdict.event) && m.verdict.event.tsMs > this.maxEventTsMs)
      this.maxEventTsMs = m.verdict.event.tsMs;
  }

  /**
   * One marker per raw partition (explicit partition, the marker tag as key, a header for
   * consumers that filter without decoding): in the transaction that says done, so a crash before
   * it leaves none (the transaction is aborted) and a restart after it has nothing to do.
   */
  private markers(): SinkRecord[] {
    if (!Number.isFinite(this.maxEventTsMs) || this.o.rawPartitions <= 0) return [];
    this.markerTsMs = this.maxEventTsMs;
    const value = this.o.codec.encode(watermarkMarker(this.maxEventTsMs));
    const out: SinkRecord[] = [];
    for (let p = 0; p < this.o.rawPartitions; p++)
      out.push({
        topic: this.o.rawTopic,
        partition: p,
        key: WATERMARK_MARKER_TAG,
        value,
        headers: { [MARKER_HEADER]: 'watermark' },
      });
    return out;
  }

  notice(text: string): void {
    this.progress.clear();
    this.o.stderr.write(`ingest: ${text}\n`);
  }

  private reject(lineNo: number, reason: string, detail: string, raw: string): void {
    this.rejectedByReason.set(reason, (this.rejectedByReason.get(reason) ?? 0) + 1);
    this.o.counters?.rejected(reason);
    const kept = raw.length > RAW_CHARS_KEPT ? raw.slice(0, RAW_CHARS_KEPT) : raw;
    this.rejectLines.push(
      JSON.stringify(
        raw.length > RAW_CHARS_KEPT
          ? { line: lineNo, reason, detail, raw: kept, rawTruncated: true }
          : { line: lineNo, reason, detail, raw: kept },
      ),
    );
    if (this.rejectsShown < this.showRejects) {
      this.rejectsShown++;
      this.progress.clear();
      this.o.stderr.write(`ingest: line ${lineNo}: ${reason}: ${detail}\n`);
    }
  }

  // ---- commits ----------------------------------------------------------------------------

  /** The rejects file holds exactly the rejects of the committed lines: cut what a crash left after them. */
  private async openRejects(): Promise<void> {
    try {
      this.rejectsHandle = await fs.open(this.o.rejectsFile, 'a+');
      const size = (await this.rejectsHandle.stat()).size;
      if (size < this.rejectedBytes)
        throw new ShiftstreamError(
          'SHIFTSTREAM_INPUT_INVALID',
          `ingest: ${this.o.rejectsFile}: expected at least ${this.rejectedBytes} bytes (the rejects of the ` +
            `${this.skipThrough} committed lines), found ${size}; was it moved or cut? Restore it, or pass ` +
            `--rejects <another file> to keep only the rejects from here on`,
          { details: { file: this.o.rejectsFile } },
        );
      if (size > this.rejectedBytes) await this.rejectsHandle.truncate(this.rejectedBytes);
    } catch (err) {
      await this.rejectsHandle?.close();
      this.rejectsHandle = undefined;
      if (err instanceof ShiftstreamError) throw err;
      throw new ShiftstreamError(
        'SHIFTSTREAM_USAGE',
        `ingest --rejects ${this.o.rejectsFile}: expected a writable file, found: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** Closes the current batch (also when empty: the last one carries `done`). */
  private seal(): void {
    this.sealed.push({
      records: this.records,
      rejectLines: this.rejectLines,
      lastLine: this.lastLine,
      count: this.pendingCount,
    });
    this.records = [];
    this.rejectLines = [];
    this.pendingCount = 0;
  }

  /** Commits the sealed batches in order; `done` goes with the last one. */
  private async commitSealed(done = false): Promise<void> {
    const batches = this.sealed;
    this.sealed = [];
    for (let i = 0; i < batches.length; i++) await this.commit(batches[i]!, done && i === batches.length - 1);
  }

  private position(done: boolean): IngestPosition {
    const p: IngestPosition = {
      line: this.committedLine,
      rejectedBytes: this.rejectedBytes,
      produced: this.produced,
      rejected: this.rejected,
      input: this.identity,
      done,
    };
    return done ? { ...p, markerPartitions: this.o.rawPartitions } : p;
  }

  private async commit(batch: Batch, done: boolean): Promise<void> {
    let rejectedBytes = this.rejectedBytes;
    if (batch.rejectLines.length > 0) {
      // The rejects reach the disk before the transaction that moves past their lines commits.
      const buf = Buffer.from(`${batch.rejectLines.join('\n')}\n`, 'utf8');
      await this.rejectsHandle!.write(buf, 0, buf.length, rejectedBytes);
      await this.rejectsHandle!.sync();
      rejectedBytes += buf.length;
    }
    const base: IngestPosition = {
      line: batch.lastLine,
      rejectedBytes,
      produced: this.produced + batch.records.length,
      rejected: this.rejected + batch.rejectLines.length,
      input: this.identity,
      done,
    };
    const position: IngestPosition = done ? { ...base, markerPartitions: this.o.rawPartitions } : base;
    await this.o.sink.commit(done ? [...batch.records, ...this.markers()] : batch.records, position);
    this.o.counters?.read(batch.count);
    this.o.counters?.produced(batch.records.length);
    this.committedLine = position.line;
    this.produced = position.produced;
    this.rejected = position.rejected;
    this.rejectedBytes = rejectedBytes;
  }

  private finalLine(interrupted: boolean, elapsedMs: number): string {
    const n = (x: number): string => x.toLocaleString('en-US');
    const reasons = [...this.rejectedByReason.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([r, c]) => `${r} ${n(c)}`);
    const rate = elapsedMs > 0 ? (this.readThisRun * 1000) / elapsedMs : 0;
    return [
      `ingest${interrupted ? ' (interrupted; a restart resumes after line ' + n(this.committedLine) + ')' : ''}: ` +
        `${n(this.readThisRun)} records read` +
        (this.skipThrough > 0 ? ` after line ${n(this.skipThrough)} (resumed)` : ''),
      `${n(this.produced)} samples on ${this.o.rawTopic} in all`,
      `${n(this.rejected)} rejected in all${reasons.length > 0 ? ` (this run: ${reasons.join(', ')})` : ''} ` +
        `-> ${this.o.rejectsFile}`,
      ...(this.markerTsMs === null
        ? []
        : [
            `end-of-input marker (ts ${new Date(this.markerTsMs).toISOString()}) on ${this.o.rawPartitions} ` +
              `raw partition${this.o.rawPartitions === 1 ? '' : 's'}`,
          ]),
      `${(elapsedMs / 1000).toFixed(1)} s, ${compactCount(rate)} records/s`,
    ].join(', ');
  }
}
