// The embedded demo: a simulated plant runs through the real pipeline over the in-process log
// (no Kafka, registry, Redis or Odoo), with a live terminal view, NDJSON outputs and a preview of
// the Odoo records that would be posted.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { edgeKey, type GenealogyEdge } from '../core/genealogy.js';
import { canonicalMaterial, EMPTY_MATERIAL_PLAN } from '../core/material.js';
import { MARKER_HEADER, WATERMARK_MARKER_TAG, watermarkMarker } from '../core/raw-markers.js';
import type { MilestoneRecord } from '../core/milestones.js';
import type { WindowSummary } from '../core/types.js';
import { createPipeline, type Pipeline, type PipelineOptions } from '../engine/pipeline.js';
import type { Codecs } from '../ports/codecs.js';
import type { SinkRecord } from '../ports/event-sink.js';
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
  /** Partitions of the raw topic (an end-of-input marker goes to each). */
  readonly rawPartitions: number;
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

/** The records the Odoo poster would write for a shift summary (one line each in odoo-preview.ndjson). */
export type OdooPreview = (summary: WindowSummary) => readonly object[];

export interface DemoOptions {
  readonly topology: TopologyPlan;
  /** The embedded log or a Kafka cluster (cli/demo-transports.ts). */
  readonly transport: DemoTransport;
  readonly odooPreview: OdooPreview;
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
  /** Of them, the lot scans the simulator still held at the end (sent then, with their instants). */
  readonly endSamples: number;
  readonly windowSummaries: number;
  readonly shiftSummaries: number;
  /** Summaries of the shift in progress at the simulated start: not written (a few minutes of data). */
  readonly partialShiftSummaries: number;
  /** Order summaries written to order-summaries.ndjson (every revision; none without attribution). */
  readonly orderSummaries: number;
  readonly milestones: number;
  /** Genealogy edges written to genealogy.ndjson (consumed lot -> order, order -> produced lot). */
  readonly genealogyEdges: number;
  readonly rejected: number;
  readonly odooPreviewRecords: number;
  readonly simulatedMs: number;
  readonly stoppedBy: 'signal' | 'shifts' | 'duration';
  /** out/report.html and its whole shifts; undefined when no whole shift closed. */
  readonly report: { readonly path: string; readonly shifts: number } | undefined;
}
const TICK_MS = 100;
/** How long the end of a run waits for the pipeline to process the end of input. */
const END_OF_INPUT_WAIT_MS = 60_000;
const RENDER_MS = 1_000;

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const transport = o.transport;
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
    // Order summaries (semantics section 11), every revision, as replay writes them.
    orders: createWriteStream(join(o.outDir, 'order-summaries.ndjson')),
    odoo: createWriteStream(join(o.outDir, 'odoo-preview.ndjson')),
    // Lot genealogy (semantics section 13): the edges post --kind material would write, once each.
    genealogy: createWriteStream(join(o.outDir, 'genealogy.ndjson')),
  };
  const material = topology.material ?? EMPTY_MATERIAL_PLAN(topology.plant.plantId);
  const edges = new Set<string>();
  /** The genealogy edge of a material milestone with its order (consumed lot -> order -> produced lot). */
  const edgeOf = (m: MilestoneRecord): GenealogyEdge | null => {
    if ((m.kind !== 'lot_consumed' && m.kind !== 'lot_produced') || m.orderRef === null) return null;
    const v = canonicalMaterial(material, m);
    if (!v.ok || v.event.lot === null) return null;
    return {
      version: 1,
      plantId: m.plantId,
      kind: m.kind === 'lot_consumed' ? 'consumed' : 'produced',
      order: m.orderRef,
      product: v.event.product,
      lot: v.event.lot,
      atMs: m.tsMs,
    };
  };
  const view: ViewState = {
    plant: topology,
    outDir: o.outDir,
    simNowMs: startMs,
    milestones: [],
    early: [],
    totals: { samples: 0, windows: 0, shifts: 0, rejected: 0 },
  };
  const counts = { windows: 0, shifts: 0, partialShifts: 0, orders: 0, milestones: 0, odoo: 0, edges: 0 };
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
      for (const r of o.odooPreview(d.value)) {
        counts.odoo++;
        files.odoo.write(`${JSON.stringify(r)}\n`);
      }
    });
    // After the shift summaries: an order summary comes with its shift summary's revision.
    await drain(t.orderSummaries, (v) => {
      const d = codecs.orderSummary.decode(v);
      // The shift in progress at the simulated start is left out, as its shift summaries are.
      if (!d.ok || d.value.startMs < startMs) return;
      counts.orders++;
      report.addOrder(d.value);
      files.orders.write(`${JSON.stringify(d.value)}\n`);
    });
    await drain(t.milestones, (v) => {
      const d = codecs.milestone.decode(v);
      if (!d.ok) return;
      counts.milestones++;
      files.milestones.write(`${JSON.stringify(d.value)}\n`);
      const edge = edgeOf(d.value);
      if (edge !== null && !edges.has(edgeKey(edge))) {
        edges.add(edgeKey(edge));
        counts.edges++;
        files.genealogy.write(`${JSON.stringify(edge)}\n`);
      }
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

  /**
   * The simulation ends at simNow: the lot scans it made before then and still holds (a silence,
   * held back in transport) go in, then an end-of-input marker on every raw partition
   * (semantics section 6.1) at simNow + the out-of-orderness bound, so the aligned watermark reaches
   * simNow: every milestone waiting for the watermark (material ones take their order there, section
   * 13) goes out, and every window that ended by then closes. Then the pipeline catches up.
   */
  let endSamples = 0;
  const endOfInput = async (): Promise<void> => {
    const rest = sim.drain(simNow);
    if (rest.length > 0)
      await transport.appendRaw(rest.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
    view.totals.samples += rest.length;
    endSamples = rest.length;
    const marker = codecs.raw.encode(watermarkMarker(simNow + topology.plant.eventTime.outOfOrdernessMs));
    await transport.appendRaw(
      Array.from({ length: transport.rawPartitions }, (_, partition) => ({
        topic: t.raw,
        partition,
        key: WATERMARK_MARKER_TAG,
        value: marker,
        headers: { [MARKER_HEADER]: 'watermark' },
      })),
    );
    const deadline = o.nowMs() + END_OF_INPUT_WAIT_MS;
    while (!(await transport.caughtUp(pipeline.windowStage.positions())) && o.nowMs() < deadline) {
      await collect();
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
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
    await endOfInput();
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
    endSamples,
    windowSummaries: counts.windows,
    shiftSummaries: counts.shifts,
    partialShiftSummaries: counts.partialShifts,
    orderSummaries: counts.orders,
    milestones: counts.milestones,
    genealogyEdges: counts.edges,
    rejected,
    odooPreviewRecords: counts.odoo,
    simulatedMs: simNow - startMs,
    stoppedBy,
    report: reportWritten ? { path: report.path, shifts: report.shifts().length } : undefined,
  };
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
