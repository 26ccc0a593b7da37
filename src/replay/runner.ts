// `shiftstream replay`: a historian export, streamed through the same core as the live lanes
// (mapSample -> WindowedProcessor), in event time only. Bounded memory: one chunk of input, one
// batch of events, the core's retained history (amendment horizon) and ~256 KiB per output.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { attributesOrders } from '../core/attribution.js';
import { isInspection } from '../core/inspections.js';
import { mapSample } from '../core/mapping.js';
import { createMilestoneTracker, takesOrderAtEventTime, type MilestoneTracker } from '../core/milestones.js';
import type { PlantPlan } from '../core/plan.js';
import { WindowedProcessor, type LateRecord, type ProcessorOutput } from '../core/processor.js';
import { createShiftCalendar, type ShiftCalendar } from '../core/shifts.js';
import type { MachineEvent, RawSample, WindowSummary } from '../core/types.js';
import { ShiftstreamError } from '../errors.js';
import { flushWatermarkMs, openWindows, type OpenWindows } from './end-of-input.js';
import { ExportFramer, MAX_LINE_CHARS, type RecordSink } from './framing.js';
import { openInput, formatFromName, type InputFormat, type OpenedInput } from './input.js';
import { LineSplitter } from './line-splitter.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { ProgressLine } from './progress.js';
import { isReject, type ParseResult } from './records.js';
import { formatFinalLine, type ReplayStats } from './stats.js';

export const OUTPUT_FILES = {
  windowSummaries: 'window-summaries.ndjson',
  shiftSummaries: 'shift-summaries.ndjson',
  /** docs/semantics.md section 11 (empty unless the topology has an order tag). */
  orderSummaries: 'order-summaries.ndjson',
  /** The critical lane's records, and the quantity and scrap milestones stage 2 gives their order (section 9.3). */
  milestones: 'milestones.ndjson',
  late: 'late.ndjson',
  rejected: 'rejected.ndjson',
  stats: 'replay-stats.json',
} as const;

export interface ReplayOptions {
  readonly plan: PlantPlan;
  /** A file path, or `-` for stdin. */
  readonly input: string;
  /** Overrides the format the file name implies; without either, the first line decides. */
  readonly format?: InputFormat;
  readonly outDir: string;
  /** Close every window that contains a sample at the end of input (see end-of-input.ts). */
  readonly flush?: boolean;
  readonly stderr: Writable & { isTTY?: boolean };
  readonly stdin?: Readable;
  readonly signal?: AbortSignal;
  /** Rejected lines detailed on stderr (all go to rejected.ndjson). Default 20. */
  readonly showRejects?: number;
  /** Force the progress line on or off (default: when stderr is a TTY). */
  readonly progress?: boolean;
  /** Monotonic milliseconds (default performance.now). */
  readonly now?: () => number;
}

export interface ReplayResult {
  readonly stats: ReplayStats;
  readonly finalLine: string;
}

export { MAX_LINE_CHARS };
const BATCH_EVENTS = 4096;
const RAW_CHARS_KEPT = 4096;
/** String values kept once (state words, reason codes): the history must not pin input chunks. */
const INTERN_LIMIT = 100_000;

export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  const outDir = options.outDir;
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new ShiftstreamError(
      'SHIFTSTREAM_USAGE',
      `--out ${outDir}: expected a writable directory, found: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const input = await openInput(options.input, options.stdin);
  const replay = new Replay(options, input);
  try {
    return await replay.run();
  } finally {
    input.close();
  }
}

class Replay implements RecordSink {
  private readonly plan: PlantPlan;
  private readonly processor: WindowedProcessor;
  private readonly calendar: ShiftCalendar | undefined;
  private readonly now: () => number;
  private readonly startMs: number;
  private readonly progress: ProgressLine;
  private readonly showRejects: number;
  private readonly writers: {
    window: NdjsonWriter;
    shift: NdjsonWriter;
    order: NdjsonWriter;
    milestones: NdjsonWriter;
    late: NdjsonWriter;
    rejected: NdjsonWriter;
  };
  private readonly framer: ExportFramer;
  private readonly attributes: boolean;
  private readonly tracker: MilestoneTracker;
  private events: MachineEvent[] = [];
  private eventLines: number[] = [];
  private readonly interned = new Map<string, string>();
  private readonly firstTsByWc = new Map<string, number>();
  private maxTsMs = -Infinity;
  private readonly s: MutableStats;

  constructor(
    private readonly options: ReplayOptions,
    private readonly input: OpenedInput,
  ) {
    this.plan = options.plan;
    this.processor = new WindowedProcessor(this.plan);
    // The same split as stage 1 and stage 2 of the pipeline (section 9.3).
    this.attributes = attributesOrders(this.plan);
    this.tracker = createMilestoneTracker({}, { orderAtEventTime: this.attributes });
    this.calendar = this.plan.windows.some((w) => w.kind === 'shift')
      ? createShiftCalendar(this.plan.calendar)
      : undefined;
    this.now = options.now ?? (() => performance.now());
    this.startMs = this.now();
    this.progress = new ProgressLine(options.stderr, options.progress ?? options.stderr.isTTY === true);
    this.showRejects = options.showRejects ?? 20;
    const format = options.format ?? (options.input === '-' ? undefined : formatFromName(options.input));
    this.framer = new ExportFramer(this, options.input, format);
    const out = (name: string): NdjsonWriter => new NdjsonWriter(join(options.outDir, name));
    this.writers = {
      window: out(OUTPUT_FILES.windowSummaries),
      shift: out(OUTPUT_FILES.shiftSummaries),
      order: out(OUTPUT_FILES.orderSummaries),
      milestones: out(OUTPUT_FILES.milestones),
      late: out(OUTPUT_FILES.late),
      rejected: out(OUTPUT_FILES.rejected),
    };
    this.s = newStats();
  }

  async run(): Promise<ReplayResult> {
    const splitter = new LineSplitter(this.framer, MAX_LINE_CHARS);
    let interrupted = false;
    for await (const chunk of this.input.chunks) {
      splitter.push(chunk);
      if (this.framer.problem !== undefined) break;
      // Ingest what this chunk gave before awaiting anything: events then die young (the core
      // keeps its own compact copy), instead of being promoted to the old generation while they
      // wait for a full batch across I/O turns (measured on 1M lines: peak RSS 285 -> 265 MB).
      await this.drainBatch(true);
      this.progress.update(this.now(), () => ({
        samples: this.s.samplesRead,
        bytesRead: this.input.bytesRead(),
        sizeBytes: this.input.sizeBytes,
        elapsedMs: this.now() - this.startMs,
      }));
      if (this.options.signal?.aborted === true) {
        interrupted = true;
        break;
      }
    }
    if (this.framer.problem !== undefined) {
      this.progress.clear();
      await this.closeWriters();
      throw this.framer.problem;
    }
    if (!interrupted) {
      splitter.end();
      this.framer.end();
    }
    await this.drainBatch(true);
    if (!interrupted && Number.isFinite(this.maxTsMs)) {
      const natural = this.maxTsMs - this.plan.eventTime.outOfOrdernessMs;
      const target = this.options.flush === true ? flushWatermarkMs(this.plan, this.maxTsMs, this.calendar) : natural;
      await this.emit(this.processor.advanceTo(target), [], []);
    }
    this.progress.clear();
    const open: OpenWindows = openWindows(
      this.plan,
      this.processor.watermarkMs,
      this.maxTsMs,
      this.firstTsByWc,
      this.calendar,
    );
    await this.closeWriters();
    const stats: ReplayStats = {
      ...this.s,
      rejectedByReason: Object.fromEntries(
        [...this.s.rejectedByReason.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
      ),
      openWindows: open.total,
      openByWindow: open.byWindow,
      maxTsMs: Number.isFinite(this.maxTsMs) ? this.maxTsMs : null,
      watermarkMs: Number.isFinite(this.processor.watermarkMs) ? this.processor.watermarkMs : null,
      flushed: this.options.flush === true && !interrupted,
      interrupted,
      bytesRead: this.input.bytesRead(),
      elapsedMs: Math.round(this.now() - this.startMs),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      outDir: this.options.outDir,
    };
    if (this.s.rejected > this.s.rejectsShown) {
      this.options.stderr.write(
        `replay: ${this.s.rejected - this.s.rejectsShown} more rejected lines not shown (all ` +
          `${this.s.rejected} are in ${join(this.options.outDir, OUTPUT_FILES.rejected)})\n`,
      );
    }
    await writeFile(join(this.options.outDir, OUTPUT_FILES.stats), `${JSON.stringify(stats, null, 2)}\n`);
    return { stats, finalLine: formatFinalLine(stats) };
  }

  // ---- RecordSink: called synchronously by the framer for every record of a chunk -----------

  record(result: ParseResult, lineNo: number, raw: string): void {
    this.s.samplesRead++;
    this.accept(result, lineNo, raw);
  }

  notice(text: string): void {
    this.options.stderr.write(`replay: ${text}\n`);
  }

  private accept(r: ParseResult, lineNo: number, raw: string): void {
    if (isReject(r)) {
      this.rejectLine(lineNo, r.reason, r.detail, raw);
      return;
    }
    // Keep one copy of each tag and string value: strings sliced from the input would pin whole
    // input chunks for as long as the core's history holds the event.
    const tagPlan = this.plan.tags.get(r.tag);
    const sample: RawSample = {
      tag: tagPlan === undefined ? r.tag : tagPlan.tag,
      tsMs: r.tsMs,
      value: typeof r.value === 'string' ? this.intern(r.value) : r.value,
      quality: r.quality,
    };
    const v = mapSample(this.plan, sample);
    if (!v.ok) {
      this.rejectLine(lineNo, v.reason, v.detail, raw);
      return;
    }
    const ev = v.event;
    // The critical lane, in file order (arrival order), as stage 1 does it.
    const milestone = this.tracker.observe(ev);
    if (milestone !== undefined) this.writers.milestones.write(JSON.stringify(milestone));
    if (ev.kind === 'milestone') {
      this.s.milestones++;
      // A bare count waits in the core for the order running at its ts; inspections count in the
      // figures (semantics 9.4); other milestones are done.
      if (this.attributes && takesOrderAtEventTime(ev)) {
        this.events.push(ev);
        this.eventLines.push(lineNo);
        return;
      }
      if (!isInspection(ev)) return;
    }
    if (ev.tsMs > this.maxTsMs) this.maxTsMs = ev.tsMs;
    const first = this.firstTsByWc.get(ev.workCenterId);
    if (first === undefined || ev.tsMs < first) this.firstTsByWc.set(ev.workCenterId, ev.tsMs);
    this.events.push(ev);
    this.eventLines.push(lineNo);
  }

  private intern(value: string): string {
    const known = this.interned.get(value);
    if (known !== undefined) return known;
    const copy = flatCopy(value);
    if (this.interned.size < INTERN_LIMIT) this.interned.set(copy, copy);
    return copy;
  }

  private rejectLine(lineNo: number, reason: string, detail: string, raw: string): void {
    this.s.rejected++;
    this.s.rejectedByReason.set(reason, (this.s.rejectedByReason.get(reason) ?? 0) + 1);
    const kept = raw.length > RAW_CHARS_KEPT ? raw.slice(0, RAW_CHARS_KEPT) : raw;
    this.writers.rejected.write(
      JSON.stringify(
        raw.length > RAW_CHARS_KEPT
          ? { line: lineNo, reason, detail, raw: kept, rawTruncated: true }
          : { line: lineNo, reason, detail, raw: kept },
      ),
    );
    if (this.s.rejectsShown < this.showRejects) {
      this.s.rejectsShown++;
      this.progress.clear();
      this.options.stderr.write(`replay: line ${lineNo}: ${reason}: ${detail}\n`);
    }
  }

  // ---- batches and outputs --------------------------------------------------------------------

  private async drainBatch(all: boolean): Promise<void> {
    while (this.events.length >= BATCH_EVENTS || (all && this.events.length > 0)) {
      const n = Math.min(BATCH_EVENTS, this.events.length);
      const events = this.events.length === n ? this.events : this.events.slice(0, n);
      const lines = this.eventLines.length === n ? this.eventLines : this.eventLines.slice(0, n);
      if (events === this.events) {
        this.events = [];
        this.eventLines = [];
      } else {
        this.events = this.events.slice(n);
        this.eventLines = this.eventLines.slice(n);
      }
      await this.emit(this.processor.ingest(events), events, lines);
    }
  }

  private async emit(out: ProcessorOutput, events: readonly MachineEvent[], lines: readonly number[]): Promise<void> {
    this.s.applied += out.applied;
    this.s.duplicates += out.duplicates;
    for (const summary of out.summaries) this.writeSummary(summary);
    for (const o of out.orderSummaries) this.writers.order.write(JSON.stringify(o));
    for (const m of out.milestones) this.writers.milestones.write(JSON.stringify(m));
    for (const late of out.late) this.writeLate(late, lines[events.indexOf(late.event)] ?? null);
    const w = this.writers;
    await Promise.all([
      w.window.ready(),
      w.shift.ready(),
      w.order.ready(),
      w.milestones.ready(),
      w.late.ready(),
      w.rejected.ready(),
    ]);
  }

  private writeSummary(summary: WindowSummary): void {
    if (summary.windowKind === 'shift') {
      this.s.shiftSummaries++;
      this.writers.shift.write(JSON.stringify(summary));
    } else {
      this.s.windowSummaries++;
      this.writers.window.write(JSON.stringify(summary));
    }
    if (summary.revision > 1) this.s.amendments++;
  }

  private writeLate(late: LateRecord, line: number | null): void {
    if (late.amended) this.s.lateAmended++;
    else this.s.lateReportedOnly++;
    this.writers.late.write(JSON.stringify({ line, ...late }));
  }

  private async closeWriters(): Promise<void> {
    const w = this.writers;
    await Promise.all([
      w.window.close(),
      w.shift.close(),
      w.order.close(),
      w.milestones.close(),
      w.late.close(),
      w.rejected.close(),
    ]);
  }
}

type MutableStats = {
  -readonly [
    K in keyof Omit<
      ReplayStats,
      | 'rejectedByReason'
      | 'openWindows'
      | 'openByWindow'
      | 'maxTsMs'
      | 'watermarkMs'
      | 'flushed'
      | 'interrupted'
      | 'bytesRead'
      | 'elapsedMs'
      | 'peakRssBytes'
      | 'outDir'
    >
  ]: ReplayStats[K];
} & { rejectedByReason: Map<string, number>; rejectsShown: number };

function newStats(): MutableStats {
  return {
    samplesRead: 0,
    applied: 0,
    duplicates: 0,
    milestones: 0,
    rejected: 0,
    rejectedByReason: new Map(),
    rejectsShown: 0,
    lateAmended: 0,
    lateReportedOnly: 0,
    windowSummaries: 0,
    shiftSummaries: 0,
    amendments: 0,
  };
}

/** A flat copy of a string that shares no memory with the (possibly large) string it came from. */
function flatCopy(value: string): string {
  return value.length < 13 ? value : Buffer.from(value, 'utf8').toString('utf8');
}
