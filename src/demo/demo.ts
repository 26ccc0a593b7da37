// The embedded demo: a simulated plant runs through the real pipeline over the in-process log
// (no Kafka, registry, Redis or Odoo), with a live terminal view, NDJSON outputs and a preview of
// the Odoo records that would be posted.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { WindowSummary } from '../core/types.js';
import { createPipeline, type Pipeline, type PipelineOptions } from '../engine/pipeline.js';
import type { Codecs } from '../ports/codecs.js';
import type { SinkRecord } from '../ports/event-sink.js';
import { createLocalCodecs } from '../io/avro/codecs.js';
import { MemoryEventSink, MemoryEventSource, MemoryLog, MemoryStateStore } from '../io/memory/index.js';
import { summaryToRecords, type ResolvedTargets } from '../io/odoo/productivity-records.js';
import { createNoopMetrics } from '../metrics/index.js';
import { silentLog } from '../ports/log.js';
import { createPlantSimulator } from '../sim/index.js';
import type { TopologyPlan } from '../topology/types.js';
import { createDemoReport } from './demo-report.js';
import { defaultDemoFrom, planDemo } from './schedule.js';
import { renderView, type ViewState } from './view.js';

/** Where the demo's records live: the embedded log (default) or a Kafka cluster. */
export interface DemoTransport {
  readonly name: string;
  readonly topology: TopologyPlan;
  readonly codecs: Codecs;
  readonly deps: Pick<
    PipelineOptions,
    'mapperSource' | 'windowSource' | 'windowGroupId' | 'sink' | 'store' | 'enrichedPartitions' | 'sourcePartitions'
  >;
  appendRaw(records: SinkRecord[]): Promise<void>;
  /** Records appended to `topic` since the last call (values only). */
  take(topic: string): Buffer[];
  /**
   * Stage 1 has read the raw topic to its end and stage 2 (whose next offsets are `positions`)
   * the enriched topic: what was appended so far is processed.
   */
  caughtUp(
    positions: readonly { topic: string; partition: number; nextOffset: string | undefined }[],
  ): Promise<boolean>;
  close(): Promise<void>;
}

export interface DemoOptions {
  readonly topology: TopologyPlan;
  /** Default: the embedded log. */
  readonly transport?: DemoTransport;
  readonly outDir: string;
  /** Simulated milliseconds per wall millisecond. */
  readonly speed: number;
  readonly seed: number;
  /** Simulated start; default: 10 minutes before the first shift of the day a week ago (schedule.ts). */
  readonly startMs?: number;
  /** Simulated time after which the run ends by itself, once the pipeline has caught up (default: none). */
  readonly durationMs?: number;
  /** A shift id (`2026-03-23/early`): the run ends once it closed for every work center with data. */
  readonly untilShiftId?: string;
  readonly signal: AbortSignal;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly nowMs: () => number;
}

export interface DemoResult {
  readonly samples: number;
  readonly windowSummaries: number;
  readonly shiftSummaries: number;
  /** Summaries of the shift in progress at the simulated start: not written (a few minutes of data). */
  readonly partialShiftSummaries: number;
  readonly milestones: number;
  readonly rejected: number;
  readonly odooPreviewRecords: number;
  readonly simulatedMs: number;
  readonly stoppedBy: 'signal' | 'shifts' | 'duration';
  /** out/report.html and its whole shifts; undefined when no whole shift closed. */
  readonly report: { readonly path: string; readonly shifts: number } | undefined;
}

const PARTITIONS = 4;
const TICK_MS = 100;
const RENDER_MS = 1_000;

/** The embedded, in-process log: no servers. */
export function embeddedTransport(topology: TopologyPlan): DemoTransport {
  const t = topology.topics;
  const log = new MemoryLog({ defaultPartitions: PARTITIONS });
  for (const topic of [
    t.raw,
    t.canonical,
    t.enriched,
    t.milestones,
    t.windowSummaries,
    t.shiftSummaries,
    t.rejected,
    t.late,
  ])
    log.createTopic(topic, PARTITIONS);
  const cursors = new Map<string, number[]>();
  return {
    name: 'embedded log',
    topology,
    codecs: createLocalCodecs(),
    deps: {
      mapperSource: new MemoryEventSource(log, { groupId: 'demo-map', topics: [t.raw] }),
      windowSource: new MemoryEventSource(log, { groupId: 'demo-window', topics: [t.enriched] }),
      windowGroupId: 'demo-window',
      sink: new MemoryEventSink(log),
      store: new MemoryStateStore(),
      enrichedPartitions: PARTITIONS,
      sourcePartitions: PARTITIONS,
    },
    appendRaw: (records) => {
      log.append(records);
      return Promise.resolve();
    },
    take(topic) {
      const pos = cursors.get(topic) ?? new Array<number>(PARTITIONS).fill(0);
      cursors.set(topic, pos);
      const fresh: Buffer[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        const records = log.records(topic, p);
        for (let i = pos[p]!; i < records.length; i++) if (records[i]!.value !== null) fresh.push(records[i]!.value!);
        pos[p] = records.length;
      }
      return fresh;
    },
    caughtUp(positions) {
      const map = log.group('demo-map');
      const rawDone = log.endOffsets(t.raw).every((end, partition) => {
        const committed = map.committed({ topic: t.raw, partition });
        return end === 0 || committed === String(end);
      });
      const next = new Map(positions.map((p) => [p.partition, p.nextOffset]));
      const enrichedDone = log
        .endOffsets(t.enriched)
        .every((end, partition) => end === 0 || next.get(partition) === String(end));
      return Promise.resolve(rawDone && enrichedDone);
    },
    close: () => Promise.resolve(),
  };
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const transport = o.transport ?? embeddedTransport(o.topology);
  const topology = transport.topology;
  const t = topology.topics;
  const codecs = transport.codecs;
  await codecs.prepare([]);
  const startMs = o.startMs ?? planDemo(topology, defaultDemoFrom(topology, o.nowMs())).startMs;
  const sim = createPlantSimulator(topology.plant, { seed: o.seed, startMs });
  const pipeline: Pipeline = createPipeline({
    topology,
    codecs,
    ...transport.deps,
    clock: { nowMs: o.nowMs },
    metrics: createNoopMetrics(),
    log: silentLog,
    // Simulated time runs faster than the wall clock: event time only.
    live: false,
    checkpointIntervalMs: 60_000,
  });
  mkdirSync(o.outDir, { recursive: true });
  const files = {
    windows: createWriteStream(join(o.outDir, 'window-summaries.ndjson')),
    shifts: createWriteStream(join(o.outDir, 'shift-summaries.ndjson')),
    milestones: createWriteStream(join(o.outDir, 'milestones.ndjson')),
    odoo: createWriteStream(join(o.outDir, 'odoo-preview.ndjson')),
  };
  const view: ViewState = {
    plant: topology,
    simNowMs: startMs,
    milestones: [],
    early: [],
    totals: { samples: 0, windows: 0, shifts: 0, rejected: 0 },
  };
  const counts = { windows: 0, shifts: 0, partialShifts: 0, milestones: 0, odoo: 0 };
  const targets = previewTargets(topology);
  const report = createDemoReport({ topology, outDir: o.outDir, wholeFromMs: startMs });
  await report.clear();
  /** Work centers with any summary so far: a shift is closed when each of them has its summary. */
  const active = new Set<string>();
  const announced = new Set<string>();
  let reportWritten = false;

  /** Reads what the pipeline appended since the last call. */
  const drain = async (topic: string, onRecord: (value: Buffer) => void): Promise<void> => {
    const fresh = transport.take(topic);
    if (fresh.length === 0) return;
    await codecs.prepare(fresh);
    for (const v of fresh) onRecord(v);
  };
  let rejected = 0;
  const collect = async (): Promise<void> => {
    await drain(t.windowSummaries, (v) => {
      const d = codecs.summary.decode(v);
      if (d.ok) {
        counts.windows++;
        active.add(d.value.workCenterId);
        files.windows.write(`${JSON.stringify(d.value)}\n`);
      }
    });
    await drain(t.shiftSummaries, (v) => {
      const d = codecs.summary.decode(v);
      if (!d.ok) return;
      active.add(d.value.workCenterId);
      // The shift in progress at the simulated start: only its last minutes were simulated.
      if (d.value.startMs < startMs) {
        counts.partialShifts++;
        return;
      }
      counts.shifts++;
      report.add(d.value);
      files.shifts.write(`${JSON.stringify(d.value)}\n`);
      const preview = summaryToRecords(d.value, topology.odoo, targets);
      for (const r of preview.records) {
        counts.odoo++;
        files.odoo.write(
          `${JSON.stringify({
            model: 'mrp.workcenter.productivity',
            key: r.key,
            revision: r.revision,
            workCenterId: d.value.workCenterId,
            lossKey: r.lossKey,
            vals: r.vals,
          })}\n`,
        );
      }
    });
    await drain(t.milestones, (v) => {
      const d = codecs.milestone.decode(v);
      if (!d.ok) return;
      counts.milestones++;
      files.milestones.write(`${JSON.stringify(d.value)}\n`);
      view.milestones.push(d.value);
      if (view.milestones.length > 8) view.milestones.shift();
    });
    rejected += transport.take(t.rejected).length;
    view.totals = { samples: view.totals.samples, windows: counts.windows, shifts: counts.shifts, rejected };
  };

  const tty = o.out.isTTY === true;
  /** Writes the report when shift summaries arrived; says so once per shift closed everywhere. */
  const updateReport = async (): Promise<void> => {
    if (!(await report.writeIfChanged())) return;
    reportWritten = true;
    for (const s of report.shifts()) {
      if (announced.has(s.shiftId) || s.workCenters.size < active.size) continue;
      announced.add(s.shiftId);
      view.report = { path: report.path, shifts: announced.size };
      if (!tty) o.out.write(`demo: shift ${s.shiftId} closed: wrote ${report.path}\n`);
    }
  };
  const untilShiftClosed = (): boolean => {
    if (o.untilShiftId === undefined) return false;
    const shift = report.shifts().find((s) => s.shiftId === o.untilShiftId);
    return shift !== undefined && active.size > 0 && shift.workCenters.size >= active.size;
  };

  const done = pipeline.run();
  const wallStart = o.nowMs();
  const endMs = o.durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + o.durationMs;
  let simNow = startMs;
  let lastRender = 0;
  let stoppedBy: DemoResult['stoppedBy'] = 'signal';
  try {
    while (!o.signal.aborted) {
      const target = Math.min(endMs, startMs + Math.floor((o.nowMs() - wallStart) * o.speed));
      if (target > simNow) {
        const samples = sim.next(target);
        simNow = target;
        if (samples.length > 0)
          await transport.appendRaw(samples.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
        view.totals.samples += samples.length;
      }
      await collect();
      await updateReport();
      if (untilShiftClosed()) {
        stoppedBy = 'shifts';
        break;
      }
      if (simNow >= endMs && (await transport.caughtUp(pipeline.windowStage.positions()))) {
        stoppedBy = 'duration';
        break;
      }
      const now = o.nowMs();
      if (now - lastRender >= (tty ? RENDER_MS : 5 * RENDER_MS)) {
        lastRender = now;
        view.simNowMs = simNow;
        view.early = pipeline.windowStage.earlyUpdates();
        o.out.write(renderView(view, tty));
      }
      await sleep(TICK_MS, o.signal);
    }
  } finally {
    await pipeline.stop();
    await done;
    await collect();
    await Promise.all(Object.values(files).map(closeStream));
    await transport.close();
  }
  await updateReport();
  return {
    samples: view.totals.samples,
    windowSummaries: counts.windows,
    shiftSummaries: counts.shifts,
    partialShiftSummaries: counts.partialShifts,
    milestones: counts.milestones,
    rejected,
    odooPreviewRecords: counts.odoo,
    simulatedMs: simNow - startMs,
    stoppedBy,
    report: reportWritten ? { path: report.path, shifts: report.shifts().length } : undefined,
  };
}

/** Without Odoo: placeholder ids (0) so the preview shows exactly what would be posted. */
function previewTargets(topology: TopologyPlan): ResolvedTargets {
  const workCenters = new Map([...topology.plant.workCenters.keys()].map((id) => [id, { odooId: 0, companyId: 0 }]));
  const losses = new Map([...new Set(topology.odoo.losses.values())].map((ref) => [ref, 0]));
  return { workCenters, losses };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export type { WindowSummary };
