import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { generateExport, toCsv } from './export-fixture.js';

const TOPOLOGY = resolve(import.meta.dirname, 'test-plant.yaml');

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replay-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['replay', ...argv], {
    stdout,
    stderr,
    cwd: dir,
    signal: new AbortController().signal,
    env: {},
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('shiftstream replay', () => {
  it('--help shows the options and examples', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--flush');
    expect(r.stdout).toContain('Examples:');
  });

  it.each([
    [['--input', 'x.ndjson'], /expected --topology <file>, found none/],
    [
      ['--topology', TOPOLOGY, '--input', 'x.ndjson', '--format', 'xml'],
      /--format expected one of ndjson, csv, found 'xml'/,
    ],
    [['--topology', TOPOLOGY, '--input', 'x.ndjson', '--bogus'], /Unknown option '--bogus'/],
    [
      ['--topology', TOPOLOGY, '--input', 'missing.ndjson'],
      /--input .*missing.ndjson: expected a readable file, found no such file/,
    ],
    [['--topology', 'nope.yaml', '--input', 'x.ndjson'], /topology .*nope.yaml: expected a readable file/],
  ])('exits 2 for %j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('replays a CSV export with a topology file and prints the final line', async () => {
    const samples = generateExport({
      seed: 2,
      startMs: Date.UTC(2026, 2, 28, 20),
      endMs: Date.UTC(2026, 2, 28, 23),
      workCenters: 4,
      meanGapMs: 5000,
    });
    await writeFile(join(dir, 'export.csv'), `${toCsv(samples)}not-a-ts,M1a.STATE,1,\n`);
    const r = await run('--topology', TOPOLOGY, '--input', 'export.csv', '--out', 'o', '--flush');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^replay: [\d,]+ samples read, [\d,]+ applied, 1 rejected \(invalid-ts 1\), .* 0 left open; /,
    );
    expect(r.stderr).toContain(`line ${samples.length + 2}: invalid-ts:`);
    const shifts = (await readFile(join(dir, 'o/shift-summaries.ndjson'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { windowId: string; workCenterId: string });
    expect(shifts.filter((s) => s.windowId === '2026-03-28/late').map((s) => s.workCenterId)).toEqual([
      'wc1',
      'wc2',
      'wc3',
      'wc4',
    ]);
  });
});
