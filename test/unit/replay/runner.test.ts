import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeWindowSummaries } from '../../../src/testkit/reference.js';
import type { RawSample, WindowSummary } from '../../../src/core/types.js';
import { OUTPUT_FILES, runReplay, type ReplayOptions } from '../../../src/replay/runner.js';
import { HOUR, MIN, testPlan } from '../../support/plan.js';
import { berlinOffsetMinutes, generateExport, isoTs, toCsv, toNdjson } from './export-fixture.js';

// The Berlin spring-forward night: the 2026-03-28/night shift (22:00 CET to 06:00 CEST) lasts 7 h.
const START = Date.UTC(2026, 2, 28, 18, 0); // 19:00 CET
const END = Date.UTC(2026, 2, 29, 6, 0); // 08:00 CEST
const plan = testPlan({ workCenters: 2 });

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replay-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readNdjson<T>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8');
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as T);
}

async function replayText(name: string, text: string | Buffer, options: Partial<ReplayOptions> = {}) {
  const input = join(dir, name);
  await writeFile(input, text);
  const outDir = join(dir, `${name}.out`);
  const stderr = new Capture();
  const result = await runReplay({ plan, input, outDir, stderr, progress: false, ...options });
  const windows = await readNdjson<WindowSummary>(join(outDir, OUTPUT_FILES.windowSummaries));
  const shifts = await readNdjson<WindowSummary>(join(outDir, OUTPUT_FILES.shiftSummaries));
  const rejected = await readNdjson<{ line: number; reason: string; detail: string; raw: string }>(
    join(outDir, OUTPUT_FILES.rejected),
  );
  const late = await readNdjson<{ line: number | null; amended: boolean; tsMs: number }>(
    join(outDir, OUTPUT_FILES.late),
  );
  return { ...result, windows, shifts, rejected, late, stderr: stderr.text, outDir };
}

const key = (s: WindowSummary): string => `${s.windowName}/${s.windowId}/${s.workCenterId}`;

function expectReference(samples: readonly RawSample[], emitted: readonly WindowSummary[], watermarkMs: number): void {
  const reference = computeWindowSummaries(samples, plan, { watermarkMs });
  expect(reference.length).toBeGreaterThan(0);
  expect(new Map(emitted.map((s) => [key(s), s]))).toEqual(new Map(reference.map((s) => [key(s), s])));
  expect(emitted.length).toBe(reference.length); // no window twice
}

describe('replay of an export spanning the Berlin clock-change night', () => {
  const samples = generateExport({
    seed: 7,
    startMs: START,
    endMs: END,
    workCenters: 2,
    meanGapMs: 12_000,
    shuffleMs: 25_000,
  });

  it('NDJSON with epoch ms gives exactly the batch reference at the final watermark', async () => {
    const r = await replayText('epoch.ndjson', toNdjson(samples));
    const s = r.stats;
    expect(s.samplesRead).toBe(samples.length);
    expect(s.rejected).toBe(0);
    expect(s.lateAmended + s.lateReportedOnly).toBe(0);
    expect(s.duplicates).toBeGreaterThan(0);
    expect(s.applied + s.duplicates + s.milestones).toBe(samples.length);
    const maxTs = Math.max(...samples.map((x) => x.tsMs));
    expect(s.watermarkMs).toBe(maxTs - plan.eventTime.outOfOrdernessMs);
    expectReference(samples, [...r.windows, ...r.shifts], s.watermarkMs!);
    // The spring-forward night shift is in it, 7 hours long.
    const night = r.shifts.filter((x) => x.windowId === '2026-03-28/night');
    expect(night.map((x) => x.lengthMs)).toEqual([7 * HOUR, 7 * HOUR]);
    expect(night[0]!.endLocal).toContain('06:00');
    // Summaries are written in emission order (by window end).
    const ends = r.windows.map((x) => x.endMs);
    expect(ends).toEqual([...ends].sort((a, b) => a - b));
    expect(s.windowSummaries).toBe(r.windows.length);
    expect(s.shiftSummaries).toBe(r.shifts.length);
    // The last windows stay open without --flush, and the final line says how many.
    expect(s.openWindows).toBeGreaterThan(0);
    expect(r.finalLine).toContain(`${s.openWindows} left open`);
    expect(r.finalLine).toMatch(/^replay: [\d,]+ samples read, [\d,]+ applied, 0 rejected, [\d,]+ duplicates/);
  });

  it('NDJSON with ISO-8601 local offsets, and CSV, give the same summaries as epoch NDJSON', async () => {
    const epoch = await replayText('base.ndjson', toNdjson(samples));
    const iso = await replayText(
      'iso.ndjson',
      toNdjson(samples, (t) => isoTs(t, berlinOffsetMinutes(t))),
    );
    const csv = await replayText(
      'export.csv',
      toCsv(samples, (t) => isoTs(t, berlinOffsetMinutes(t))),
    );
    const csvEpoch = await replayText('epoch.csv.gz', gzipSync(toCsv(samples)));
    for (const other of [iso, csv, csvEpoch]) {
      expect(other.stats.rejected).toBe(0);
      expect(other.windows).toEqual(epoch.windows);
      expect(other.shifts).toEqual(epoch.shifts);
      expect(other.stats.applied).toBe(epoch.stats.applied);
    }
  });

  it('--flush closes every window that contains a sample, as the reference does at that watermark', async () => {
    const r = await replayText('flush.ndjson', toNdjson(samples), { flush: true });
    expect(r.stats.openWindows).toBe(0);
    expect(r.stats.flushed).toBe(true);
    const maxTs = Math.max(...samples.map((x) => x.tsMs));
    for (const spec of ['1m', '15m', 'shift']) {
      const last = Math.max(...[...r.windows, ...r.shifts].filter((x) => x.windowName === spec).map((x) => x.startMs));
      expect(last).toBeGreaterThanOrEqual(maxTs - (spec === '1m' ? MIN : spec === '15m' ? 15 * MIN : 8 * HOUR));
    }
    // The early shift that holds the last sample (06:00 CEST = 04:00Z) is closed and emitted.
    expect(r.shifts.some((x) => x.windowId === '2026-03-29/early')).toBe(true);
    expectReference(samples, [...r.windows, ...r.shifts], r.stats.watermarkMs!);
  });
});

describe('bad rows', () => {
  const good = generateExport({ seed: 11, startMs: START, endMs: START + 2 * HOUR, workCenters: 1, meanGapMs: 20_000 });

  it('NDJSON: each bad line is rejected with its number and reason; the rest gives the reference', async () => {
    const lines = toNdjson(good).trimEnd().split('\n');
    const bad: [number, string, string][] = [
      [3, '{"ts": 1774720800000, "tag": "M1a.STATE", "value": 1', 'malformed-json'],
      [10, '{"ts": 1774720800000, "value": 1}', 'missing-field'],
      [20, '{"ts": "2026-03-28T19:00:00", "tag": "M1a.STATE", "value": 1}', 'invalid-ts'],
      [25, '{"ts": "yesterday", "tag": "M1a.STATE", "value": 1}', 'invalid-ts'],
      [30, '{"ts": 1774720800000, "tag": "M1a.STATE", "value": null}', 'invalid-field'],
      [40, '{"ts": 1774720800000, "tag": "NOPE.STATE", "value": 1}', 'unknown-tag'],
      [50, '{"ts": 1774720800000, "tag": "M1a.STATE", "value": 1, "quality": "bad"}', 'bad-quality'],
      [60, '{"ts": 1774720800000, "tag": "M1a.STATE", "value": 99}', 'unmapped-state-value'],
      [70, '[1,2,3]', 'malformed-json'],
      [80, '{"ts": 1774720800000, "tag": "M1a.GOOD", "value": "n/a"}', 'non-numeric-counter'],
      [90, '{"ts": 1774720800, "tag": "M1a.STATE", "value": 1}', 'ts-out-of-range'],
    ];
    for (const [at, text] of bad) lines.splice(at - 1, 0, text);
    lines.splice(5, 0, '', '   '); // blank lines are skipped, not rejected (they shift the numbers below)
    const expected = bad.map(([at, text, reason]) => ({ line: at < 6 ? at : at + 2, reason, raw: text }));
    const r = await replayText('bad.ndjson', `${lines.join('\n')}\n`, { showRejects: 3 });
    expect(r.rejected.map(({ line, reason, raw }) => ({ line, reason, raw }))).toEqual(expected);
    expect(r.stats.rejected).toBe(bad.length);
    expect(r.stats.samplesRead).toBe(good.length + bad.length);
    expect(r.stats.rejectedByReason['malformed-json']).toBe(2);
    expect(r.stats.rejectedByReason['invalid-ts']).toBe(2);
    expect(r.stderr).toContain('replay: line 3: malformed-json:');
    expect(r.stderr).toContain('line 12: missing-field: expected fields ts, tag and value, found no tag');
    expect(r.stderr).toContain('line 22: invalid-ts: ts: "2026-03-28T19:00:00" has no offset');
    expect(r.stderr).not.toContain('line 27:'); // only 3 detailed
    expect(r.stderr).toContain(`${bad.length - 3} more rejected lines not shown`);
    expect(r.finalLine).toContain(`${bad.length} rejected (invalid-ts 2, malformed-json 2, bad-quality 1,`);
    expectReference(good, [...r.windows, ...r.shifts], r.stats.watermarkMs!);
  });

  it(
    'CSV: wrong column count, bad quoting and bad fields are ' +
      'rejected by line; quoted commas, quotes and newlines parse',
    async () => {
      const body = toCsv(good).split('\r\n');
      const header = body.shift()!;
      body.pop();
      const t = '1774720800000';
      const tq = good[6]!.tsMs; // the quoted record goes after good[6]: in order, not late
      const extra: [number, string, string | null][] = [
        [2, `${t},M1a.STATE,1`, 'malformed-csv'],
        [4, `${t},M1a.STATE,1,good,extra`, 'malformed-csv'],
        [6, `${t},"M1a.STATE"x,1,`, 'malformed-csv'],
        [8, `${t},M1a.STATE,1,excellent`, 'invalid-field'],
        [10, `not-a-time,M1a.STATE,1,`, 'invalid-ts'],
        [12, `${t},,1,`, 'missing-field'],
        [14, `${tq},M1a.REASON,"line one\nline ""two"", with comma",`, null],
      ];
      for (const [at, text] of extra) body.splice(at - 1, 0, text);
      const r = await replayText('bad.csv', [header, ...body].join('\n'));
      // Line numbers count the header (line 1); the quoted newline makes the record span 2 lines.
      expect(r.rejected.map((x) => [x.line, x.reason])).toEqual(
        extra.filter((e) => e[2] !== null).map(([at, , reason]) => [at + 1, reason]),
      );
      const withQuoted = [...good];
      withQuoted.splice(7, 0, {
        tag: 'M1a.REASON',
        tsMs: tq,
        value: 'line one\nline "two", with comma',
        quality: 'good',
      });
      expect(r.stats.samplesRead).toBe(good.length + extra.length);
      expectReference(withQuoted, [...r.windows, ...r.shifts], r.stats.watermarkMs!);
    },
  );

  it('an unclosed quote rejects its line only; the lines after it are read again', async () => {
    const body = toCsv(good).split('\r\n');
    body.splice(3, 0, `1774720800000,M1a.STATE,"1,`);
    const r = await replayText('unclosed.csv', body.join('\n'));
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([[4, 'malformed-csv']]);
    expectReference(good, [...r.windows, ...r.shifts], r.stats.watermarkMs!);
  });

  it('a CSV without the expected header stops with an input error saying expected vs found', async () => {
    await expect(replayText('noheader.csv', '1774720800000,M1a.STATE,1,good\n')).rejects.toThrow(
      /line 1: expected a CSV header naming ts,tag,value\[,quality\], found "1774720800000,M1a.STATE,1,good" \(no ts, tag, value\)/,
    );
  });

  it('a missing input file is an input error', async () => {
    await expect(
      runReplay({ plan, input: join(dir, 'nope.ndjson'), outDir: join(dir, 'o'), stderr: new Capture() }),
    ).rejects.toMatchObject({
      code: 'SHIFTSTREAM_INPUT_INVALID',
      message: expect.stringMatching(/expected a readable file, found no such file/),
    });
  });
});

describe('late samples', () => {
  it(
    'are written to late.ndjson with their line; within the ' +
      'horizon they amend, and the last revision equals the reference',
    async () => {
      const samples = generateExport({
        seed: 5,
        startMs: START,
        endMs: START + 3 * HOUR,
        workCenters: 1,
        meanGapMs: 15_000,
      });
      const lateSample: RawSample = { tag: 'M1a.SCRAP', tsMs: START + 30 * MIN + 123, value: 2, quality: 'good' };
      const all = [...samples, lateSample];
      const r = await replayText('late.ndjson', toNdjson(all));
      expect(r.stats.lateAmended).toBe(1);
      expect(r.late).toMatchObject([{ line: all.length, amended: true, tsMs: lateSample.tsMs }]);
      expect(r.stats.amendments).toBeGreaterThan(0);
      const last = new Map<string, WindowSummary>();
      for (const s of [...r.windows, ...r.shifts])
        if ((last.get(key(s))?.revision ?? 0) < s.revision) last.set(key(s), s);
      const reference = computeWindowSummaries(all, plan, { watermarkMs: r.stats.watermarkMs! });
      const strip = ({ revision: _r, lateSamples: _l, ...rest }: WindowSummary) => rest;
      expect(new Map([...last].map(([k, s]) => [k, strip(s)]))).toEqual(
        new Map(reference.map((s) => [key(s), strip(s)])),
      );
    },
  );
});
