// A 1-million-line export replayed by the compiled CLI in a child process, whose peak RSS
// (process.resourceUsage().maxRSS at exit) must stay under a bound. No servers needed.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exportSamples, ndjsonLine } from '../../unit/replay/export-fixture.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const LINES = 1_000_000;
const RSS_BOUND_MB = 300;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replay-mem-'));
  // Compile the CLI's import closure (type checking is `npm run typecheck`'s job).
  await promisify(execFile)(process.execPath, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    ...[
      '--noCheck',
      '--outDir',
      join(dir, 'build'),
      '--rootDir',
      ROOT,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
    ],
    ...[
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--sourceMap',
      'false',
      join(ROOT, 'src/cli/main.ts'),
    ],
  ]);
  await writeFile(join(dir, 'build/package.json'), '{"type":"module"}\n');
  await symlink(join(ROOT, 'node_modules'), join(dir, 'build/node_modules'), 'dir');
  await writeFile(
    join(dir, 'build/driver.mjs'),
    [
      "const { main } = await import('./src/cli/main.js');",
      'const exitCode = await main(process.argv.slice(2));',
      'process.stdout.write(`\\n${JSON.stringify({ exitCode, maxRssKb: process.resourceUsage().maxRSS })}\\n`);',
      '',
    ].join('\n'),
  );
  // About 11 days of 4 work centers: longer than the core's retained history (amendment horizon
  // + longest window), so the bound shows memory does not grow with the file.
  const out = createWriteStream(join(dir, 'export.ndjson'));
  let buf = '';
  let n = 0;
  for (const s of exportSamples({
    seed: 3,
    startMs: Date.UTC(2026, 2, 20),
    endMs: Date.UTC(2027, 0, 1),
    workCenters: 4,
    meanGapMs: 600,
    silenceShare: 0.0005,
  })) {
    buf += `${ndjsonLine(s)}\n`;
    if (++n === LINES) break;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it(`replays ${LINES.toLocaleString('en-US')} lines with a peak RSS under ${RSS_BOUND_MB} MB`, async () => {
  const child = spawn(
    process.execPath,
    [
      join(dir, 'build/driver.mjs'),
      'replay',
      '--topology',
      join(ROOT, 'test/unit/replay/test-plant.yaml'),
      '--input',
      join(dir, 'export.ndjson'),
      '--out',
      join(dir, 'out'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(stderr).toBe(''); // no progress line (not a TTY), no rejects
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split('\n');
  const report = JSON.parse(lines.at(-1)!) as { exitCode: number; maxRssKb: number };
  const finalLine = lines.find((l) => l.startsWith('replay: '))!;
  expect(finalLine).toMatch(/^replay: 1,000,000 samples read, [\d,]+ applied, 0 rejected,/);
  const stats = JSON.parse(await readFile(join(dir, 'out/replay-stats.json'), 'utf8')) as {
    samplesRead: number;
    applied: number;
    duplicates: number;
    milestones: number;
    windowSummaries: number;
    maxTsMs: number;
  };
  expect(stats.samplesRead).toBe(LINES);
  expect(stats.applied + stats.duplicates + stats.milestones).toBe(LINES);
  expect(stats.windowSummaries).toBeGreaterThan(10_000);
  // the export outlasts the retained history
  expect(stats.maxTsMs - Date.UTC(2026, 2, 20)).toBeGreaterThan(8 * 86_400_000);
  process.stdout.write(`[replay] ${finalLine}\n[replay] child peak RSS ${Math.round(report.maxRssKb / 1024)} MB\n`);
  expect(report.exitCode).toBe(0);
  expect(report.maxRssKb / 1024).toBeLessThan(RSS_BOUND_MB);
}, 180_000);
