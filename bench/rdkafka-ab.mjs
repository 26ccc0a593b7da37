#!/usr/bin/env node
// A/B of the node-rdkafka end-to-end run (issue 7): variants interleaved in one invocation
// (A B A B ...), on the same pre-loaded topic as `run.mjs`, so the shared machine's load hits each
// variant alike. A variant is a build of src/ (`dist`, default ./dist) and/or extra adapter options
// (`rdkafka`: { source?, sink? }, see lib/pipeline-child.mjs); `trace` adds where-it-waits figures
// (lib/trace.mjs) to each run.
//   node bench/rdkafka-ab.mjs --rounds 2 \
//     --variant 'before={"dist":".cache/ab-base"}' --variant 'after={}' [--trace] [--profile] [--samples 400000]
//   node bench/rdkafka-ab.mjs --rounds 3 --variant 'two-stage={}' \
//     --variant 'fused={"env":{"SHIFTSTREAM_RUN__FUSED":"on"}}'
// `processes` (default 1): that many two-stage processes in one consumer group (issue 12 item 6; CPU
// and RSS summed over them), e.g. 1 against 2 in one invocation:
//   node bench/rdkafka-ab.mjs --rounds 2 --variant 'one={}' --variant 'two={"processes":2}'
// A `dist` other than ./dist must sit one level below the root (e.g. .cache/ab-base) with .cache/schemas
// linked to ../schemas: the codecs find the Avro files relative to the build.
// Results: .cache/bench/ab/<stamp>.json (run.mjs's files under bench/results are left alone).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { down, up } from '../scripts/infra.mjs';
import { dataSet, preload, WORK_DIR } from './lib/data.mjs';
import { machineInfo } from './lib/env.mjs';
import { cleanupRun } from './lib/cleanup.mjs';
import { ROOT } from './lib/kafka.mjs';
import { loadAverage } from './lib/proc.mjs';
import { runShiftstream } from './lib/shiftstream.mjs';
import { summarizeProfile } from './lib/profile.mjs';
import { criticalLaneLatency, describeLevel } from './latency.mjs';
import { benchArgs } from './lib/args.mjs';

const { values } = benchArgs(import.meta.url, {
  options: {
    variant: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '2' },
    samples: { type: 'string', default: '400000' },
    machines: { type: 'string', default: '2000' },
    client: { type: 'string', default: 'rdkafka' },
    trace: { type: 'boolean' },
    profile: { type: 'boolean' },
    // Critical-lane latency (latency.mjs) of each variant at these absolute rates (events/s), e.g. 5000,8000.
    'latency-rates': { type: 'string' },
    // With --latency-rates: event-loop stalls of the run and stage 2's synchronous steps (lib/stalls.mjs).
    stalls: { type: 'boolean' },
    // With --latency-rates: extra milestones per second on top of the telemetry (0: the simulator's
    // own only, ~5/s); default: enough for >= 1,000 in each level's 8 s measuring window (latency.mjs).
    'milestone-rate': { type: 'string' },
  },
});
const variants = (values.variant ?? ['current={}']).map((v) => {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new Error(`--variant ${v}: expected name={json}`);
  const spec = JSON.parse(v.slice(eq + 1));
  const processes = spec.processes ?? 1;
  if (!Number.isInteger(processes) || processes < 1)
    throw new Error(`--variant ${v}: expected processes to be a whole number >= 1, found ${spec.processes}`);
  // The fused path needs one process owning every raw partition; the latency runs start their own.
  if (processes > 1 && spec.env?.SHIFTSTREAM_RUN__FUSED === 'on')
    throw new Error(`--variant ${v}: processes ${processes} needs the two-stage path, found run.fused=on`);
  if (processes > 1 && values['latency-rates'] !== undefined)
    throw new Error(`--variant ${v}: processes ${processes} is not supported with --latency-rates`);
  return { name: v.slice(0, eq), ...spec, processes };
});
const STAMP = Date.now().toString(36);
const t00 = Date.now();
const log = (s) => process.stdout.write(`[ab ${((Date.now() - t00) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);

const cleanup = () => cleanupRun(STAMP, log);

await up({ lease: true });
const runs = [];
try {
  const ds = dataSet(Number(values.machines), Number(values.samples));
  await preload(ds, log);
  const traceDir = join(WORK_DIR, 'traces', STAMP);
  mkdirSync(traceDir, { recursive: true });
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const v of variants) {
      const runId = `${STAMP}-${v.name}-${round}`;
      const env = {};
      if (v.dist !== undefined) env.SHIFTSTREAM_BENCH_DIST = resolve(ROOT, v.dist);
      if (v.rdkafka !== undefined) env.SHIFTSTREAM_BENCH_RDKAFKA = JSON.stringify(v.rdkafka);
      // Node flags of the run's process (e.g. GC sizing), a what-if of how it is started.
      if (v.nodeOptions !== undefined) env.NODE_OPTIONS = v.nodeOptions;
      // Configuration of the run (SHIFTSTREAM_* variables), e.g. {"SHIFTSTREAM_RUN__FUSED":"on"}: the fused path.
      if (v.env !== undefined) Object.assign(env, v.env);
      if ((v.client ?? values.client) !== 'rdkafka' && v.rdkafka !== undefined)
        throw new Error(`--variant ${v.name}: rdkafka options need the rdkafka client`);
      if (values['latency-rates'] !== undefined) {
        const rates = values['latency-rates'].split(',').map(Number);
        const stallsFile = join(traceDir, `${runId}-stalls.json`);
        if (values.stalls) env.SHIFTSTREAM_BENCH_STALLS = stallsFile;
        const loadBefore = loadAverage();
        const lat = await criticalLaneLatency({
          machines: ds.machines,
          maxRate: 1,
          shares: rates,
          warmupMs: 3_000,
          measureMs: 8_000,
          ...(values['milestone-rate'] === undefined ? {} : { milestoneRate: Number(values['milestone-rate']) }),
          runId,
          log,
          env,
        });
        await new Promise((res) => setTimeout(res, 300));
        const stalls =
          values.stalls && existsSync(stallsFile) ? JSON.parse(readFileSync(stallsFile, 'utf8')) : undefined;
        runs.push({ variant: v.name, round, loadBefore, loadAfter: loadAverage(), latency: lat, stalls });
        if (stalls !== undefined) log(`${v.name} #${round}: stalls ${JSON.stringify(stalls)}`);
        log(
          `${v.name} #${round}: latency ${lat.levels
            .map((l) => `${l.actualRate}/s + ${l.extraMilestoneRate}/s extra milestones: ${describeLevel(l)}`)
            .join('; ')}`,
        );
        continue;
      }
      const traceFile = join(traceDir, `${runId}.json`);
      if (values.trace) env.SHIFTSTREAM_BENCH_TRACE = traceFile;
      const loadBefore = loadAverage();
      const r = await runShiftstream({
        ds,
        runId,
        client: v.client ?? values.client,
        processes: v.processes,
        env,
        log,
        ...(values.profile ? { cpuProfDir: traceDir } : {}),
      });
      await new Promise((res) => setTimeout(res, 300));
      const trace = values.trace && existsSync(traceFile) ? JSON.parse(readFileSync(traceFile, 'utf8')) : undefined;
      const profFile = join(traceDir, `${runId}-0.cpuprofile`);
      const profile =
        values.profile && existsSync(profFile) ? { file: profFile, ...summarizeProfile(profFile) } : undefined;
      runs.push({ variant: v.name, round, loadBefore, loadAfter: loadAverage(), ...r, trace, profile });
      log(
        `${v.name} #${round}: ${r.eventsPerSec} events/s, ${r.processes} process(es) (map stage ${r.mapStageMs} ` +
          `ms of ${r.ms} ms), ${r.cpuUsPerEvent} µs CPU/event, RSS ${r.rssPeakMiB} MiB, load ${loadBefore.join(' ')}` +
          (trace?.stages
            ? `; ELU ${trace.eventLoopUtilization}, stage1 busy ${trace.stages.map.busyShare} (in flight ` +
              `${trace.stages.map.meanInFlightWhileBusy}, batch ${trace.stages.map.onBatch.itemsPerCall} ` +
              `rec, p50 ${trace.stages.map.onBatch.p50Ms} ms), send1 p50 ${trace.sends.stage1.p50Ms} ms ` +
              `x${trace.sends.stage1.n}, stage2 busy ${trace.stages.window.busyShare} (batch ` +
              `${trace.stages.window.onBatch.itemsPerCall} rec), pause ` +
              `${trace.stages.map.pause}/${trace.stages.window.pause}`
            : ''),
      );
    }
  }
} finally {
  await cleanup();
  await down({ lease: true });
}
const byVariant = {};
if (values['latency-rates'] !== undefined) {
  mkdirSync(join(WORK_DIR, 'ab'), { recursive: true });
  const out = join(WORK_DIR, 'ab', `${STAMP}-latency.json`);
  writeFileSync(out, `${JSON.stringify({ bench: 'rdkafka-ab latency', machine: machineInfo(), runs }, null, 2)}\n`);
  log(`results: ${out}`);
  process.exit(0);
}
for (const v of variants) {
  const rs = runs.filter((r) => r.variant === v.name);
  byVariant[v.name] = {
    spec: v,
    processes: v.processes,
    eventsPerSec: rs.map((r) => r.eventsPerSec),
    cpuUsPerEvent: rs.map((r) => r.cpuUsPerEvent),
    mapStageMs: rs.map((r) => r.mapStageMs),
    ms: rs.map((r) => r.ms),
  };
}
const base = variants[0].name;
for (const v of variants) {
  const ratios = byVariant[v.name].eventsPerSec.map((x, i) => +(x / byVariant[base].eventsPerSec[i]).toFixed(2));
  byVariant[v.name].ratioToFirstPerRound = ratios;
  log(
    `${v.name}: events/s ${byVariant[v.name].eventsPerSec.join(', ')}; vs ${base} per ` +
      `round ${ratios.join(', ')}; CPU µs/event ${byVariant[v.name].cpuUsPerEvent.join(', ')}`,
  );
}
mkdirSync(join(WORK_DIR, 'ab'), { recursive: true });
const out = join(WORK_DIR, 'ab', `${STAMP}.json`);
writeFileSync(
  out,
  `${JSON.stringify(
    {
      bench: 'rdkafka-ab',
      machine: machineInfo(),
      samples: Number(values.samples),
      machines: Number(values.machines),
      client: values.client,
      variants: byVariant,
      runs,
    },
    null,
    2,
  )}\n`,
);
log(`results: ${out}`);
