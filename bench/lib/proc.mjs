// Child processes measured from outside: CPU time (utime + stime from /proc/<pid>/stat) and RSS
// (VmRSS, peak kept by polling) of any program (node, java), sampled every `intervalMs`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export function procSample(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = (Number(f[11]) + Number(f[12])) * TICK_MS; // fields 14, 15 of stat(5)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { atMs: performance.now(), cpuMs, rssKb };
  } catch {
    return null; // exited
  }
}

/**
 * Spawns `cmd args`; collects stdout/stderr; polls CPU and RSS. `onSample(sample)` runs after each poll.
 * @returns {{ child, out: () => string, err: () => string, peakRssKb: () => number, last: () => any,
 *   exited: Promise<number>, stop: (signal?: string) => Promise<number> }}
 */
export function spawnMeasured(cmd, args, { env = process.env, cwd, intervalMs = 200, onSample } = {}) {
  const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  let peak = 0;
  let last = null;
  const timer = setInterval(() => {
    const s = procSample(child.pid);
    if (s === null) return;
    last = s;
    if (s.rssKb > peak) peak = s.rssKb;
    onSample?.(s);
  }, intervalMs);
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve(code ?? (signal ? 128 : 1));
    }),
  );
  return {
    child,
    out: () => out,
    err: () => err,
    peakRssKb: () => peak,
    last: () => last,
    exited,
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Awaits `check()` (truthy) with a deadline; polls every `everyMs`. */
export async function until(what, check, { timeoutMs, everyMs = 100 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`bench: ${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}
