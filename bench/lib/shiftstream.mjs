// Runs the pipeline of `shiftstream run` (pipeline-child.mjs: run.ts's composition, topology
// compiled without lint) as 1..n child processes in one group over a pre-loaded raw topic, and measures it from
// outside: /metrics of each process
// (records in per topic) and /proc (CPU time, RSS). Timed from the first raw record counted to
// the moment the windowed lane has consumed every record of the enriched topic (the summaries
// of every closed window are then produced).
import { createServer } from 'node:net';
import { join } from 'node:path';
import { groupCommittedTotal, infraEnv, ROOT, topicEndTotal } from './kafka.mjs';
import { procSample, spawnMeasured, until } from './proc.mjs';
import { topologyFor } from './data.mjs';

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Sums a counter of a Prometheus text exposition over the series whose labels contain `match`. */
export function counterSum(text, name, match = '') {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const brace = line.indexOf('}');
    const labels = brace > 0 ? line.slice(name.length, brace + 1) : '';
    if (match !== '' && !labels.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function scrape(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}

/**
 * @param {{ ds: ReturnType<import('./data.mjs').dataSet>, runId: string, client: 'kafkajs'|'rdkafka',
 *           processes?: number, command?: 'run', whatIfMapperCommitMs?: number,
 *           env?: Record<string, string> (extra child environment: SHIFTSTREAM_BENCH_DIST, _RDKAFKA, _TRACE of
 *             pipeline-child.mjs),
 *           cpuProfDir?: string (a profile of the measured run per process, see pipeline-child.mjs),
 *           live?: boolean, timeoutMs?: number, log?: (s: string) => void, keepRunning?: boolean }} o
 */
export async function runShiftstream(o) {
  const topologyFile = topologyFor(o.ds, o.runId);
  const raw = o.ds.rawTopic;
  const enriched = `bench.${o.runId}.enriched`;
  const n = o.processes ?? 1;
  const procs = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const profArgs = o.cpuProfDir === undefined ? [] : ['--profile', join(o.cpuProfDir, `${o.runId}-${i}.cpuprofile`)];
    // o.command === 'run': the real CLI command (its topology load includes lint: small plants only).
    const args =
      o.command === 'run'
        ? [
            join(ROOT, 'bin', 'shiftstream.js'),
            'run',
            '--topology',
            topologyFile,
            '--client',
            o.client,
            '--group',
            `bench-${o.runId}`,
            '--log-level',
            'warn',
            `--http.port=${port}`,
          ]
        : [
            join(ROOT, 'bench', 'lib', 'pipeline-child.mjs'),
            ...profArgs,
            ...(o.whatIfMapperCommitMs === undefined
              ? []
              : ['--what-if-mapper-commit-ms', String(o.whatIfMapperCommitMs)]),
            '--topology',
            topologyFile,
            '--client',
            o.client,
            '--group',
            `bench-${o.runId}`,
            '--port',
            String(port),
          ];
    if (o.live !== true) args.push('--event-time-only');
    const p = spawnMeasured(process.execPath, args, {
      env: { ...process.env, ...infraEnv(), ...(o.env ?? {}) },
      cwd: ROOT,
    });
    procs.push({ port, p });
  }
  const sumAll = async (name, match) => {
    let s = 0;
    for (const { port } of procs) s += counterSum(await scrape(port), name, match);
    return s;
  };
  const cpuNow = () => procs.reduce((s, { p }) => s + (procSample(p.child.pid)?.cpuMs ?? 0), 0);
  const failed = () => procs.find(({ p }) => p.child.exitCode !== null);
  const check = (what) => {
    const f = failed();
    if (f)
      throw new Error(
        `bench: shiftstream run (${o.runId}) exited with ` +
          `${f.p.child.exitCode} while ${what}:\n${f.p.err().slice(-3000)}`,
      );
  };
  try {
    if (o.keepRunning) {
      await until(
        `${o.runId}: pipeline ready`,
        async () => {
          check('starting');
          for (const { port } of procs) {
            const r = await fetch(`http://127.0.0.1:${port}/readyz`).then(
              (x) => x.ok,
              () => false,
            );
            if (!r) return false;
          }
          return true;
        },
        { timeoutMs: o.timeoutMs ?? 120_000, everyMs: 200 },
      );
      return { procs, sumAll, stop: () => Promise.all(procs.map(({ p }) => p.stop('SIGINT'))) };
    }
    const tStart = performance.now();
    let t0 = 0;
    let cpu0 = 0;
    await until(
      `${o.runId}: first raw record`,
      async () => {
        check('starting');
        const v = await sumAll('shiftstream_events_in_total', `topic="${raw}"`);
        if (v > 0) {
          t0 = performance.now();
          cpu0 = cpuNow();
          if (o.cpuProfDir !== undefined) for (const { p } of procs) p.child.kill('SIGUSR2');
          return true;
        }
        return false;
      },
      { timeoutMs: 120_000, everyMs: 50 },
    );
    const startupMs = Math.round(t0 - tStart);
    await until(
      `${o.runId}: ${o.ds.count} raw records mapped`,
      async () => {
        check('mapping');
        return (await sumAll('shiftstream_events_in_total', `topic="${raw}"`)) >= o.ds.count;
      },
      { timeoutMs: o.timeoutMs ?? 1_800_000, everyMs: 100 },
    );
    const tMapped = performance.now();
    // The fused path (run.fused=on) reads no enriched topic: it is done once the map group has
    // committed the raw topic's end, which it does after the checkpoint holding the last window
    // outputs was written and those outputs were acknowledged.
    const fused = o.env?.SHIFTSTREAM_RUN__FUSED === 'on';
    let enrichedTotal;
    if (fused) {
      const rawEnd = await topicEndTotal(raw);
      await until(
        `${o.runId}: fused, ${rawEnd} raw records checkpointed and their outputs sent`,
        async () => {
          check('windowing (fused)');
          return (await groupCommittedTotal(`bench-${o.runId}-map`, raw)) >= rawEnd;
        },
        { timeoutMs: o.timeoutMs ?? 1_800_000, everyMs: 50 },
      );
      enrichedTotal = await topicEndTotal(enriched);
    } else {
      enrichedTotal = await topicEndTotal(enriched);
      await until(
        `${o.runId}: ${enrichedTotal} enriched records windowed`,
        async () => {
          check('windowing');
          return (await sumAll('shiftstream_events_in_total', `topic="${enriched}"`)) >= enrichedTotal;
        },
        { timeoutMs: o.timeoutMs ?? 1_800_000, everyMs: 50 },
      );
    }
    const t1 = performance.now();
    const cpu1 = cpuNow();
    const summaries = await sumAll('shiftstream_summaries_total');
    const rejects = await sumAll('shiftstream_rejects_total');
    const ms = t1 - t0;
    const rssPeakKb = procs.reduce((s, { p }) => s + p.peakRssKb(), 0);
    const codes = await Promise.all(procs.map(({ p }) => p.stop('SIGINT')));
    return {
      client: o.client,
      processes: n,
      machines: o.ds.machines,
      records: o.ds.count,
      enrichedRecords: enrichedTotal,
      fused,
      startupMs,
      ms: Math.round(ms),
      mapStageMs: Math.round(tMapped - t0),
      eventsPerSec: Math.round((o.ds.count / ms) * 1000),
      cpuMs: cpu1 - cpu0,
      cpuUsPerEvent: +(((cpu1 - cpu0) * 1000) / o.ds.count).toFixed(2),
      rssPeakKb,
      rssPeakMiB: Math.round(rssPeakKb / 1024),
      summaries,
      rejects,
      exitCodes: codes,
    };
  } catch (err) {
    await Promise.all(procs.map(({ p }) => p.stop('SIGKILL')));
    throw err;
  }
}
