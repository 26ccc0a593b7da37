import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { createTimeZone } from '../../../src/core/time-zone.js';
import type { WindowSummary } from '../../../src/core/types.js';
import {
  checkSummary,
  downtimeByReason,
  esc,
  fmtCount,
  fmtDuration,
  fmtDurationExact,
  fmtRatio,
  groupSummaries,
  hourTicks,
  localClockFor,
  parseOffsetMs,
  readShiftSummaries,
  renderReport,
} from '../../../src/report/index.js';
import { DST_NIGHT_START_MS, runFixture, toNdjson } from './fixture.js';

const run = runFixture({ plantId: 'stamping-berlin' });
const early = run.shifts.filter((s) => s.windowId === '2026-03-10/early');
const H = 3_600_000;

function summary(over: Partial<WindowSummary> = {}): WindowSummary {
  return { ...early[0]!, ...over };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shiftstream-report-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['report', ...args], {
    stdout: { write: (s: string) => out.push(s) } as never,
    stderr: { write: (s: string) => err.push(s) } as never,
    signal: new AbortController().signal,
    cwd: dir,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('the fixture (core output)', () => {
  it('has three closed early-shift summaries with downtime reasons, counts and OEE', () => {
    expect(early).toHaveLength(3);
    for (const s of early) {
      expect(s.final).toBe(true);
      expect(s.intervals.reduce((a, iv) => a + iv.endMs - iv.startMs, 0)).toBe(s.lengthMs);
      expect(Object.keys(s.downtimeByReason).length).toBeGreaterThan(1);
      expect(s.goodCount).toBeGreaterThan(0);
      expect(s.oee).not.toBeNull();
    }
  });
});

describe('readShiftSummaries', () => {
  it(
    'keeps the last revision per (plant, work center, ' + 'shift), skips other kinds and reports bad lines by number',
    async () => {
      const path = join(dir, 'mixed.ndjson');
      const rev2 = summary({ revision: 2, goodCount: 99_999 });
      const tumbling = summary({ windowKind: 'tumbling', windowName: '15m', windowId: '2026-03-10T05:00:00.000Z' });
      const lines = [
        JSON.stringify(summary({ revision: 0, final: false })),
        JSON.stringify(rev2),
        '',
        '{not json',
        JSON.stringify(summary()), // revision 1 arriving after revision 2: ignored
        JSON.stringify(tumbling),
        JSON.stringify({ ...summary(), availability: 'high' }),
        JSON.stringify({ ...summary(), intervals: [{ startMs: 1, endMs: 2, category: 'broken', reason: null }] }),
        JSON.stringify(early[1]),
      ];
      await writeFile(path, lines.join('\n'));
      const r = await readShiftSummaries(path);
      expect(r.linesRead).toBe(9);
      expect(r.otherKinds).toBe(1);
      expect(r.summaries.map((s) => [s.workCenterId, s.revision, s.goodCount])).toEqual([
        ['WC1', 2, 99_999],
        ['WC2', 1, early[1]!.goodCount],
      ]);
      expect(r.problems).toEqual([
        { line: 4, message: expect.stringMatching(/^expected one JSON WindowSummary per line, found invalid JSON/) },
        { line: 7, message: 'availability: expected a number or null, found "high"' },
        {
          line: 8,
          message:
            'intervals[0].category: expected one of running, idle, setup, planned_stop, down, unknown, found "broken"',
        },
      ]);
    },
  );

  it('fails with SHIFTSTREAM_INPUT_INVALID naming the file when it cannot be read', async () => {
    await expect(readShiftSummaries(join(dir, 'missing.ndjson'))).rejects.toMatchObject({
      code: 'SHIFTSTREAM_INPUT_INVALID',
      message: expect.stringContaining('missing.ndjson'),
    });
  });

  it('checkSummary says what was expected and what was found', () => {
    expect(checkSummary([1])).toBe('expected a JSON object, found [1]');
    expect(checkSummary({ ...summary(), plantId: '' })).toBe('plantId: expected a non-empty string, found ""');
    expect(checkSummary({ ...summary(), endMs: summary().startMs })).toMatch(/^endMs: expected after startMs/);
    expect(checkSummary({ ...summary(), counts: { good: 'x' } })).toBe('counts.good: expected a number, found "x"');
    expect(checkSummary(summary())).toBeUndefined();
  });
});

describe('renderReport', () => {
  const html = renderReport(early, { source: 'out/shift-summaries.ndjson' });

  it('is one self-contained document: no scripts, no external references', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|https?:\/\//i);
    expect(html).toContain('<style>');
  });

  it('draws one timeline per work center with one rect and one hover title per interval', () => {
    for (const s of early) {
      const m = new RegExp(`<svg class="timeline" data-work-center="${s.workCenterId}"[^>]*>([\\s\\S]*?)</svg>`).exec(
        html,
      );
      expect(m, `timeline of ${s.workCenterId}`).not.toBeNull();
      const rects = m![1]!.match(/<rect class="iv iv-[a-z_]+"/g) ?? [];
      expect(rects).toHaveLength(s.intervals.length);
      expect(rects.map((r) => r.slice('<rect class="iv iv-'.length, -1))).toEqual(s.intervals.map((iv) => iv.category));
    }
    const firstDown = early[0]!.intervals.find((iv) => iv.category === 'down')!;
    const minutes = Math.floor((firstDown.endMs - firstDown.startMs) / 60_000);
    expect(html).toContain(`<title>Down: ${firstDown.reason}\n`);
    expect(html).toContain(`(${minutes} min `);
  });

  it('positions intervals proportionally on a 0..1000 axis', () => {
    const s = early[0]!;
    const iv = s.intervals[1]!;
    const x = Math.round(((iv.startMs - s.startMs) / (s.endMs - s.startMs)) * 1000 * 100) / 100;
    expect(html).toContain(`class="iv iv-${iv.category}" x="${x}"`);
  });

  it('labels local hours 06:00 to 14:00 and the shift in local time', () => {
    expect(html).toContain('Tue 2026-03-10 06:00 to 14:00 (UTC+01:00)');
    for (const h of ['06:00', '07:00', '10:00', '14:00']) expect(html).toMatch(new RegExp(`<span[^>]*>${h}</span>`));
  });

  it('lists downtime reasons largest first with their totals over all work centers', () => {
    const reasons = downtimeByReason(groupSummaries(early)[0]!.shifts[0]!);
    const labels = [...html.matchAll(/<div class="bar-row" title="[^"]*"><div class="bar-label">([^<]+)<\/div>/g)].map(
      (m) => m[1],
    );
    expect(labels).toEqual(reasons.map((r) => r.reason));
    const totals: Record<string, number> = {};
    for (const s of early) for (const [k, v] of Object.entries(s.downtimeByReason)) totals[k] = (totals[k] ?? 0) + v;
    expect(Object.fromEntries(reasons.map((r) => [r.reason, r.totalMs]))).toEqual(totals);
  });

  it('shows counts and the OEE components of each work center', () => {
    for (const s of early) {
      const row = new RegExp(`<tr data-work-center="${s.workCenterId}">(.*?)</tr>`).exec(html)![1]!;
      expect(row).toContain(`>${fmtCount(s.goodCount)}<`);
      expect(row).toContain(`>${fmtCount(s.scrapCount)}<`);
      for (const r of [s.availability, s.performance, s.quality, s.oee]) expect(row).toContain(fmtRatio(r));
      expect(row).toContain(`strokes <b>${fmtCount(s.counts['strokes']!)}</b>`);
    }
  });

  it('shows n/a for null ratios, never 0', () => {
    const nulls = summary({
      workCenterId: 'WC-NULL',
      availability: null,
      performance: null,
      quality: null,
      oee: null,
      idealCycleTimeMs: null,
      goodCount: 0,
      scrapCount: 0,
    });
    const out = renderReport([nulls]);
    const row = /<tr data-work-center="WC-NULL">(.*?)<\/tr>/.exec(out)![1]!;
    expect(row.match(/>n\/a</g)).toHaveLength(4);
    expect(row).not.toMatch(/0\.0 %/);
    expect(row).toContain('No ideal cycle time in the topology');
  });

  it('escapes every text from the input', () => {
    const evil = '<script>alert("x")</script>&\'';
    const out = renderReport(
      [
        summary({
          plantId: `p${evil}`,
          workCenterId: `wc${evil}`,
          windowId: `2026-03-10/${evil}`,
          shiftName: evil,
          counts: { [evil]: 3 },
          downtimeByReason: { [evil]: 60_000 },
          intervals: [{ startMs: early[0]!.startMs, endMs: early[0]!.endMs, category: 'down', reason: evil }],
        }),
      ],
      { source: evil, title: evil },
    );
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('"x")');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('marks partial summaries and later revisions', () => {
    const out = renderReport([summary({ final: false, revision: 0 }), { ...early[1]!, revision: 3 }]);
    expect(out).toContain('<span class="badge partial">partial</span>');
    expect(out).toContain('>final, revision 3<');
  });

  it('orders plants by id, shifts by start, work centers by id', () => {
    const other = run.shifts
      .filter((s) => s.windowId !== '2026-03-10/early')
      .map((s) => ({ ...s, plantId: 'a-plant' }));
    const groups = groupSummaries([...early].reverse().concat(other));
    expect(groups.map((g) => g.plantId)).toEqual(['a-plant', 'stamping-berlin']);
    expect(groups[1]!.shifts[0]!.workCenters.map((w) => w.workCenterId)).toEqual(['WC1', 'WC2', 'WC3']);
  });
});

describe('local times', () => {
  const night = runFixture({ plantId: 'stamping-berlin', fromMs: DST_NIGHT_START_MS, hours: 7 }).shifts.filter(
    (s) => s.windowId === '2026-03-28/night',
  );

  it('parses offsets', () => {
    expect(parseOffsetMs('2026-03-29T03:00:00.000+02:00')).toBe(2 * H);
    expect(parseOffsetMs('2026-03-29T03:00:00.000-05:30')).toBe(-5.5 * H);
    expect(parseOffsetMs('2026-03-29T03:00:00.000Z')).toBe(0);
    expect(parseOffsetMs('2026-03-29T03:00:00.000')).toBeUndefined();
  });

  it('infers the clock change inside a DST night shift from the offsets (7 h, 02:00 skipped)', () => {
    expect(night).toHaveLength(3);
    const s = night[0]!;
    expect(s.endMs - s.startMs).toBe(7 * H);
    const clock = localClockFor(s);
    expect(clock.note).toBeUndefined();
    const ticks = hourTicks(clock, s.startMs, s.endMs).map((t) =>
      new Date(clock.toLocalMs(t)).toISOString().slice(11, 16),
    );
    expect(ticks).toEqual(['22:00', '23:00', '00:00', '01:00', '03:00', '04:00', '05:00', '06:00']);
    const html = renderReport(night);
    expect(html).toContain(
      'Sat 2026-03-28 22:00 to Sun 2026-03-29 06:00 (UTC+01:00 to UTC+02:00: the clocks changed) · 7 h 00 min',
    );
    expect(html).not.toMatch(/>02:00</);
  });

  it('uses --time-zone when given, and the same hours come out', () => {
    const s = night[0]!;
    const zone = createTimeZone('Europe/Berlin');
    const a = hourTicks(localClockFor(s, zone), s.startMs, s.endMs);
    const b = hourTicks(localClockFor(s), s.startMs, s.endMs);
    expect(a).toEqual(b);
  });

  it('falls back to UTC with a note when offsets are missing', () => {
    const clock = localClockFor({
      startMs: 0,
      endMs: H,
      startLocal: '1970-01-01T00:00:00.000',
      endLocal: '1970-01-01T01:00:00.000',
    });
    expect(clock.note).toMatch(/times are in UTC/);
    expect(clock.toLocalMs(5)).toBe(5);
  });
});

describe('formats', () => {
  it('durations, ratios, counts and escaping', () => {
    expect(fmtDuration(0)).toBe('0 min');
    expect(fmtDuration(35_000)).toBe('35 s');
    expect(fmtDuration(42 * 60_000)).toBe('42 min');
    expect(fmtDuration(7 * H + 5 * 60_000)).toBe('7 h 05 min');
    expect(fmtDurationExact(17 * 60_000 + 35_000)).toBe('17 min 35 s');
    expect(fmtDurationExact(H + 2 * 60_000 + 5_000)).toBe('1 h 02 min 05 s');
    expect(fmtRatio(null)).toBe('n/a');
    expect(fmtRatio(0)).toBe('0.0 %');
    expect(fmtRatio(0.6175)).toBe('61.8 %');
    expect(fmtCount(1234567)).toBe('1\u202f234\u202f567');
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('shiftstream report (command)', () => {
  it('writes the HTML file and a summary line; warns about bad lines with their numbers', async () => {
    await writeFile(join(dir, 'in.ndjson'), `${toNdjson(run.all)}oops\n`);
    const r = await cli(['--input', 'in.ndjson', '--out', 'out.html', '--plant', 'stamping-berlin']);
    expect(r.code).toBe(0);
    const lineCount = run.all.length + 1;
    expect(r.stderr).toBe(
      `shiftstream: report: in.ndjson line ${lineCount}: expected ` +
        `one JSON WindowSummary per line, found invalid JSON (${(() => {
          try {
            JSON.parse('oops');
          } catch (e) {
            return (e as Error).message;
          }
          return '';
        })()}); skipped\n`,
    );
    expect(r.stdout).toMatch(
      /^report: wrote out\.html \(\d+ KiB\): 1 plant, 2 shifts, 4 work-center summaries; 0 earlier revisions replaced, 1 bad lines skipped\n$/,
    );
    const html = await readFile(join(dir, 'out.html'), 'utf8');
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(4);
  });

  it('refuses a missing --input and unknown flags with exit code 2', async () => {
    let r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "report: expected --input <summaries.ndjson>, found none. See 'shiftstream report --help'.",
    );
    r = await cli(['--input', 'x', '--colour', 'red']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--colour'");
  });

  it('names the plants found when --plant matches none', async () => {
    await writeFile(join(dir, 'in2.ndjson'), toNdjson(early));
    const r = await cli(['--input', 'in2.ndjson', '--plant', 'nowhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "report: --plant 'nowhere' has no shift summaries in in2.ndjson; plants found: stamping-berlin",
    );
  });

  it('says what it expected when the input has no shift summaries', async () => {
    await writeFile(join(dir, 'in3.ndjson'), toNdjson([summary({ windowKind: 'tumbling' })]));
    const r = await cli(['--input', 'in3.ndjson']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'expected WindowSummary lines with windowKind "shift", found ' +
        'none (1 lines, 1 summaries of other window kinds, 0 bad lines)',
    );
  });

  it('refuses an unknown --time-zone and an unreadable input', async () => {
    await writeFile(join(dir, 'in4.ndjson'), toNdjson(early));
    let r = await cli(['--input', 'in4.ndjson', '--time-zone', 'Mars/Olympus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--time-zone expected an IANA zone such as Europe/Berlin, found 'Mars/Olympus'");
    r = await cli(['--input', 'nope.ndjson']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('report: cannot read --input');
  });
});
