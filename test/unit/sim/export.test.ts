import { describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import {
  SAMPLE_CSV_HEADER,
  formatIsoTs,
  sampleToCsvLine,
  sampleToNdjsonLine,
  samplesToCsv,
  samplesToNdjson,
  simulateToArray,
} from '../../../src/sim/index.js';
import { buildPlan } from './fixture.js';

const TS = Date.UTC(2026, 2, 29, 0, 59, 58, 120);

/** A minimal RFC 4180 reader, written independently of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  return rows;
}

describe('historian export lines', () => {
  const state: RawSample = { tag: 'PLANT_A.PRESS_03.STATE', tsMs: TS, value: 3, quality: 'good' };
  const milestone: RawSample = {
    tag: 'PLANT_A.PRESS_03.MS',
    tsMs: TS,
    value: '{"orderRef":"WO/2026/00042","quantity":50}',
    quality: 'uncertain',
  };

  it('writes NDJSON with epoch or ISO timestamps', () => {
    expect(sampleToNdjsonLine(state)).toBe(`{"ts":${TS},"tag":"PLANT_A.PRESS_03.STATE","value":3,"quality":"good"}`);
    expect(sampleToNdjsonLine(state, { ts: 'iso' })).toBe(
      '{"ts":"2026-03-29T00:59:58.120Z","tag":"PLANT_A.PRESS_03.STATE","value":3,"quality":"good"}',
    );
    expect(sampleToNdjsonLine(state, { omitGoodQuality: true })).toBe(
      `{"ts":${TS},"tag":"PLANT_A.PRESS_03.STATE","value":3}`,
    );
    expect(JSON.parse(sampleToNdjsonLine(milestone))).toEqual({
      ts: TS,
      tag: milestone.tag,
      value: milestone.value,
      quality: 'uncertain',
    });
  });

  it('formats ISO timestamps with an offset that parses back to the same instant', () => {
    expect(formatIsoTs(TS, 60)).toBe('2026-03-29T01:59:58.120+01:00');
    expect(formatIsoTs(TS, -330)).toBe('2026-03-28T19:29:58.120-05:30');
    for (const offset of [0, 60, 120, -300, 345]) expect(Date.parse(formatIsoTs(TS, offset))).toBe(TS);
    expect(() => formatIsoTs(TS, 1440)).toThrow(/offset/);
  });

  it('writes CSV with the header and quotes values that need it', () => {
    expect(SAMPLE_CSV_HEADER).toBe('ts,tag,value,quality');
    expect(sampleToCsvLine(state)).toBe(`${TS},PLANT_A.PRESS_03.STATE,3,good`);
    expect(sampleToCsvLine(milestone)).toBe(
      `${TS},PLANT_A.PRESS_03.MS,"{""orderRef"":""WO/2026/00042"",""quantity"":50}",uncertain`,
    );
    expect(sampleToCsvLine({ ...state, value: ' padded' })).toContain('," padded",');
    expect(sampleToCsvLine({ ...state, value: true }, { omitGoodQuality: true })).toBe(
      `${TS},PLANT_A.PRESS_03.STATE,true,`,
    );
  });

  it('round-trips a simulated stream through both formats', () => {
    const start = Date.UTC(2026, 2, 28, 20);
    const samples = simulateToArray(buildPlan(), { seed: 7, startMs: start, badShare: 0.02 }, start + 3_600_000);
    expect(samples.length).toBeGreaterThan(500);

    const ndjson = samplesToNdjson(samples, { ts: 'iso', isoOffsetMinutes: 60 });
    expect(ndjson.endsWith('\n')).toBe(true);
    const back = ndjson
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { ts: string; tag: string; value: unknown; quality: string })
      .map((r) => ({ tag: r.tag, tsMs: Date.parse(r.ts), value: r.value, quality: r.quality }));
    expect(back).toEqual(samples);

    const rows = parseCsv(samplesToCsv(samples));
    expect(rows[0]).toEqual(['ts', 'tag', 'value', 'quality']);
    expect(rows).toHaveLength(samples.length + 1);
    rows.slice(1).forEach((row, i) => {
      const s = samples[i]!;
      expect(row).toEqual([String(s.tsMs), s.tag, String(s.value), s.quality]);
    });
    expect(samplesToCsv(samples.slice(0, 2), { header: false }).split('\n')[0]).not.toBe(SAMPLE_CSV_HEADER);
  });
});
