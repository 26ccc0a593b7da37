// The embedded demo: a simulated plant runs through the real pipeline over the in-process log
// (no Kafka, registry, Redis or Odoo), with a live terminal view, NDJSON outputs and a preview of
// the Odoo records that would be posted.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createShiftCalendar } from '../core/shifts.js';
import type { WindowSummary } from '../core/types.js';
import { createPipeline, type Pipeline, type PipelineOptions } from '../engine/pipeline.js';
import type { Codecs } from '../ports/codecs.js';
import type { SinkRecord } from '../ports/event-sink.js';
import { createNoopMetrics } from '../metrics/index.js';
import { silentLog } from '../ports/log.js';
import { createPlantSimulator } from '../sim/index.js';
import type { TopologyPlan } from '../topology/types.js';
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
  /** Simulated start; default: 30 minutes before the first shift of the last 7 days. */
  readonly startMs?: number;
  /** Stop after this much wall time (undefined: until the signal). */
  readonly durationMs?: number;
  readonly signal: AbortSignal;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly nowMs: () => number;
}

export interface DemoResult {
  readonly samples: number;
  readonly windowSummaries: number;
  readonly shiftSummaries: number;
  readonly milestones: number;
  readonly rejected: number;
  readonly odooPreviewRecords: number;
  readonly simulatedMs: number;
}

const TICK_MS = 100;
const RENDER_MS = 1_000;

export function defaultDemoStart(topology: TopologyPlan, nowMs: number): number {
  const cal = createShiftCalendar(topology.plant.calendar);
  const week = 7 * 86_400_000;
  const first = cal.instancesOverlapping(nowMs - week, nowMs).find((s) => s.startMs >= nowMs - week);
  const base = first === undefined ? nowMs - week : first.startMs;
  return Math.floor((base - 30 * 60_000) / 60_000) * 60_000;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const transport = o.transport;
  const topology = transport.topology;
  const t = topology.topics;
  const codecs = transport.codecs;
  await codecs.prepare([]);
  const startMs = o.startMs ?? defaultDemoStart(topology, o.nowMs());
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
  const counts = { windows: 0, shifts: 0, milestones: 0, odoo: 0 };

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
        files.windows.write(`${JSON.stringify(d.value)}\n`);
      }
    });
    await drain(t.shiftSummaries, (v) => {
      const d = codecs.summary.decode(v);
      if (!d.ok) return;
      counts.shifts++;
      files.shifts.write(`${JSON.stringify(d.value)}\n`);
      for (const r of o.odooPreview(d.value)) {
        counts.odoo++;
        files.odoo.write(`${JSON.stringify(r)}\n`);
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

  const done = pipeline.run();
  const wallStart = o.nowMs();
  let simNow = startMs;
  let lastRender = 0;
  const tty = o.out.isTTY === true;
  try {
    while (!o.signal.aborted && (o.durationMs === undefined || o.nowMs() - wallStart < o.durationMs)) {
      const target = startMs + Math.floor((o.nowMs() - wallStart) * o.speed);
      if (target > simNow) {
        const samples = sim.next(target);
        simNow = target;
        if (samples.length > 0)
          await transport.appendRaw(samples.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
        view.totals.samples += samples.length;
      }
      await collect();
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
  return {
    samples: view.totals.samples,
    windowSummaries: counts.windows,
    shiftSummaries: counts.shifts,
    milestones: counts.milestones,
    rejected,
    odooPreviewRecords: counts.odoo,
    simulatedMs: simNow - startMs,
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
