// Where the event loop of a `shiftstream run` child is held (bench only, pipeline-child.mjs with
// SHIFTSTREAM_BENCH_STALLS=<file>, written on SIGINT): every turn of the loop longer than 5 ms
// (a 1 ms interval timer that fires late), and the synchronous steps of stage 2 that can hold it
// (a processor's ingest and advanceTo, its snapshot, the JSON of a checkpoint), each with its
// duration, so a critical-lane p99 can be put next to what blocked the loop meanwhile.
import { PerformanceObserver, performance } from 'node:perf_hooks';

function stats() {
  return { n: 0, ms: 0, durations: [] };
}

function add(s, ms) {
  s.n++;
  s.ms += ms;
  if (s.durations.length < 100_000) s.durations.push(ms);
}

function summary(s) {
  const d = [...s.durations].sort((a, b) => a - b);
  const q = (p) => (d.length === 0 ? null : +d[Math.min(d.length - 1, Math.floor(p * d.length))].toFixed(1));
  return { n: s.n, totalMs: Math.round(s.ms), p50Ms: q(0.5), p99Ms: q(0.99), maxMs: q(1) };
}

/**
 * @param {{ WindowedProcessor: any }} core the build's core/processor.js module
 * @param {Record<string, { commit: (offsets: unknown) => Promise<void> }>} sources stage sources whose commits to time
 */
export function createStallRecorder(core, sources = {}) {
  const steps = { ingest: stats(), advanceTo: stats(), snapshot: stats(), stringify: stats() };
  // Offset commits: the synchronous part of each call (node-rdkafka's commitSync blocks the loop).
  for (const [name, source] of Object.entries(sources)) {
    const commit = source.commit.bind(source);
    const st = (steps[`commit:${name}`] = stats());
    source.commit = (...args) => {
      const t0 = performance.now();
      try {
        return commit(...args);
      } finally {
        add(st, performance.now() - t0);
      }
    };
  }
  const stalls = [];
  const proto = core.WindowedProcessor.prototype;
  for (const name of ['ingest', 'advanceTo', 'snapshot']) {
    const orig = proto[name];
    proto[name] = function timed(...args) {
      const t0 = performance.now();
      try {
        return orig.apply(this, args);
      } finally {
        add(steps[name], performance.now() - t0);
      }
    };
  }
  // The checkpoint's JSON (the only stringify of a whole stage snapshot: an object with `processor`).
  const stringify = JSON.stringify;
  JSON.stringify = function timedStringify(value, ...rest) {
    if (value === null || typeof value !== 'object' || !('processor' in value)) return stringify(value, ...rest);
    const t0 = performance.now();
    try {
      return stringify(value, ...rest);
    } finally {
      add(steps.stringify, performance.now() - t0);
    }
  };
  const t00 = performance.now();
  // Garbage-collection pauses (kind 1 minor, 2 major, 4 incremental, 8 weak callbacks).
  const gc = { minor: stats(), major: stats(), other: stats() };
  const gcLong = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = e.detail?.kind;
      add(kind === 1 ? gc.minor : kind === 2 ? gc.major : gc.other, e.duration);
      if (e.duration > 5) gcLong.push([Math.round(e.startTime - t00), +e.duration.toFixed(1), kind]);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - 1;
    if (late > 5) stalls.push([Math.round(now - t00), +late.toFixed(1)]);
    last = now;
  }, 1);
  timer.unref();
  return {
    report() {
      const ms = stalls.map(([, l]) => l);
      return {
        stallsOver5Ms: summary({ n: ms.length, ms: ms.reduce((a, b) => a + b, 0), durations: ms }),
        longest: [...stalls].sort((a, b) => b[1] - a[1]).slice(0, 20),
        steps: Object.fromEntries(Object.entries(steps).map(([k, s]) => [k, summary(s)])),
        gc: Object.fromEntries(Object.entries(gc).map(([k, s]) => [k, summary(s)])),
        gcOver5Ms: gcLong.slice(-40),
      };
    },
  };
}
