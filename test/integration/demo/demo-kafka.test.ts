import { spawn } from 'node:child_process';
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
  it('runs the same demo on the cluster (registry, Redis) and exits 0 on SIGINT', async () => {
    const env = integrationEnv();
    const out = mkdtempSync(join(tmpdir(), 'shiftstream-demo-kafka-'));
    const child = spawn(
      process.execPath,
      [join(process.cwd(), 'bin/shiftstream.js'), 'demo', '--speed', '4000', '--out', out],
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
    const deadline = Date.now() + 120_000;
    while (lines(shiftFile).length < 6) {
      if (Date.now() > deadline) throw new Error(`no shift summaries after 120 s; stderr: ${stderr.slice(-800)}`);
      if (child.exitCode !== null) throw new Error(`demo exited early (${child.exitCode}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain(`demo: running on Kafka ${env.brokers.join(',')}`);
    expect(stdout).toContain('demo stopped:');
    for (const s of lines(shiftFile).map((l) => JSON.parse(l) as WindowSummary)) {
      expect(STATE_CATEGORIES.reduce((a, c) => a + s.timeByCategory[c], 0)).toBe(s.endMs - s.startMs);
    }
  }, 180_000);
});
