import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATE_CATEGORIES, type WindowSummary } from '../../../src/core/types.js';
import { integrationEnv } from '../support/env.js';

const lines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
    : [];

describe('demo with Kafka configured', () => {
  it('runs the same demo on the cluster (registry, Redis); --duration ends it by itself with a report', async () => {
    const env = integrationEnv();
    const out = mkdtempSync(join(tmpdir(), 'shiftstream-demo-kafka-'));
    const child = spawn(
      process.execPath,
      [
        join(process.cwd(), 'bin/shiftstream.js'),
        ...['demo', '--duration', '9h', '--start', '2026-03-25', '--speed', '4000', '--out', out],
      ],
      {
        cwd: tmpdir(),
        env: {
          ...process.env,
          SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
          SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
          SHIFTSTREAM_REDIS__URL: env.redisUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const shiftFile = join(out, 'shift-summaries.ndjson');
    // 9 simulated hours from 05:50: the early shift closes; the run ends once the pipeline caught up.
    const code = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`demo did not end within 150 s; stderr: ${stderr.slice(-800)}`)), 150_000),
      ),
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`demo: running on Kafka ${env.brokers.join(',')}`);
    expect(stdout).toContain('demo done:');
    expect(stdout).toContain(`demo: report ${join(out, 'report.html')} (1 whole shift)`);
    expect(new Set(lines(shiftFile).map((l) => (JSON.parse(l) as WindowSummary).windowId))).toEqual(
      new Set(['2026-03-25/early']),
    );
    // The run ended once everything it simulated was processed: it closed exactly the windows the
    // embedded run of the same seed and duration closes (the same partitioning, so the same watermarks).
    const embedded = mkdtempSync(join(tmpdir(), 'shiftstream-demo-embedded-'));
    const plain = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SHIFTSTREAM_')));
    const again = spawnSync(
      process.execPath,
      [
        join(process.cwd(), 'bin/shiftstream.js'),
        ...['demo', '--duration', '9h', '--start', '2026-03-25', '--speed', '4000', '--out', embedded],
      ],
      { cwd: tmpdir(), env: plain, encoding: 'utf8', timeout: 150_000 },
    );
    expect(again.status, again.stderr).toBe(0);
    const closed = (dir: string): string[] =>
      lines(join(dir, 'window-summaries.ndjson'))
        .map((l) => JSON.parse(l) as WindowSummary)
        .filter((w) => w.revision === 1)
        .map((w) => `${w.workCenterId} ${w.windowName} ${w.windowId}`)
        .sort();
    const onKafka = closed(out);
    expect(onKafka.length).toBeGreaterThan(6 * 9 * 60 * 0.9);
    expect(onKafka).toEqual(closed(embedded));
    // Lots: the same genealogy edges as the embedded run, and every stack pressed was produced (the
    // end of the run sends what the simulator held and an end-of-input marker: nothing is left waiting).
    type Edge = { kind: string; order: string; product: string; lot: string };
    const edges = (dir: string): Edge[] => lines(join(dir, 'genealogy.ndjson')).map((l) => JSON.parse(l) as Edge);
    const keys = (dir: string): string[] =>
      edges(dir)
        .map((e) => `${e.kind} ${e.order} ${e.product} ${e.lot}`)
        .sort();
    expect(keys(out).length).toBeGreaterThan(50);
    expect(keys(out)).toEqual(keys(embedded));
    const made = new Set(
      edges(out)
        .filter((e) => e.kind === 'produced')
        .map((e) => e.lot),
    );
    const pressed = edges(out).filter((e) => e.kind === 'consumed' && e.product === 'BLANK-DC04');
    expect(pressed.length).toBeGreaterThan(0);
    expect(pressed.filter((p) => !made.has(p.lot))).toEqual([]);
    for (const s of lines(shiftFile).map((l) => JSON.parse(l) as WindowSummary)) {
      expect(STATE_CATEGORIES.reduce((a, c) => a + s.timeByCategory[c], 0)).toBe(s.endMs - s.startMs);
    }
  }, 180_000);
});
