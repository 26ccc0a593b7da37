// A generated historian export for replay tests: the test plan's machines over a given span,
// with state changes, reasons, rolling-over and delta counters, heartbeats, milestones, silences,
// exact duplicates and arrival order shuffled within a bound. Deterministic (seeded).
import type { RawSample } from '../../../src/core/types.js';
import { seededRandom } from '../../../src/testkit/seeded-random.js';

export const prng = seededRandom;

export interface ExportShape {
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly workCenters: number;
  /** Mean gap between samples. */
  readonly meanGapMs: number;
  /** Arrival displacement: each sample arrives up to this much after its ts order (default 0). */
  readonly shuffleMs?: number;
  /** Share of gaps that are a silence longer than the silence timeout (default 0.003). */
  readonly silenceShare?: number;
}

/** Samples in arrival order. */
export function generateExport(shape: ExportShape): RawSample[] {
  const rnd = prng(shape.seed ^ 0x5eed);
  const out = [...exportSamples(shape)];
  const shuffle = shape.shuffleMs ?? 0;
  if (shuffle === 0) return out;
  const keyed = out.map((s, i) => ({ s, at: s.tsMs + Math.floor(rnd() * shuffle), i }));
  keyed.sort((x, y) => x.at - y.at || x.i - y.i);
  return keyed.map((k) => k.s);
}

/** The samples in event-time order, one by one (for files larger than memory). */
export function* exportSamples(shape: ExportShape): Generator<RawSample, void, undefined> {
  const rnd = prng(shape.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const counters = new Map<string, number>();
  let ts = shape.startMs;
  while (ts < shape.endMs) {
    // Mostly short gaps; now and then a silence longer than the 5-minute timeout.
    ts +=
      rnd() < (shape.silenceShare ?? 0.003)
        ? 6 * 60_000 + Math.floor(rnd() * 600_000)
        : Math.floor(rnd() * 2 * shape.meanGapMs);
    const wc = 1 + Math.floor(rnd() * shape.workCenters);
    const a = `M${wc}a`;
    const b = `M${wc}b`;
    const kind = pick(['state', 'state', 'reason', 'good', 'goodB', 'scrap', 'strokes', 'hb', 'hb', 'milestone']);
    let s: RawSample;
    switch (kind) {
      case 'state':
        s = {
          tag: `${a}.STATE`,
          tsMs: ts,
          value: pick([1, 1, 1, 2, 3, 4, 5, 6, 7]),
          quality: rnd() < 0.05 ? 'uncertain' : 'good',
        };
        break;
      case 'reason':
        s = {
          tag: `${a}.REASON`,
          tsMs: ts,
          value: pick(['0', 'jam', 'tool-break', 'no material, "shortage"']),
          quality: 'good',
        };
        break;
      case 'good':
      case 'goodB': {
        const tag = kind === 'good' ? `${a}.GOOD` : `${b}.GOOD`;
        let next = (counters.get(tag) ?? 65_400) + Math.floor(rnd() * 40);
        if (kind === 'good')
          next %= 65_536; // rolls over
        else if (rnd() < 0.02) next = Math.floor(rnd() * 5); // resets
        counters.set(tag, next);
        s = { tag, tsMs: ts, value: next, quality: 'good' };
        break;
      }
      case 'scrap':
        s = { tag: `${a}.SCRAP`, tsMs: ts, value: Math.floor(rnd() * 3), quality: 'good' };
        break;
      case 'strokes':
        s = { tag: `${b}.STROKES`, tsMs: ts, value: 1 + Math.floor(rnd() * 6), quality: 'good' };
        break;
      case 'milestone':
        s = { tag: `${a}.DOWN`, tsMs: ts, value: 'WO/0042', quality: 'good' };
        break;
      default:
        s = { tag: `${a}.HB`, tsMs: ts, value: true, quality: 'good' };
    }
    yield s;
    if (rnd() < 0.01) yield { ...s }; // exact duplicate
  }
}

/** ISO-8601 with the given offset in minutes (0 writes `Z`). */
export function isoTs(tsMs: number, offsetMinutes: number): string {
  if (offsetMinutes === 0) return new Date(tsMs).toISOString();
  const local = new Date(tsMs + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const abs = Math.abs(offsetMinutes);
  return (
    `${local}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:` +
    `${String(abs % 60).padStart(2, '0')}`
  );
}

/** Berlin's offset in minutes at an instant (CET +60, CEST +120), for realistic ISO exports. */
export function berlinOffsetMinutes(tsMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'Europe/Berlin',
    timeZoneName: 'longOffset',
  }).formatToParts(tsMs);
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m === null ? 0 : (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export function ndjsonLine(s: RawSample, ts: (tsMs: number) => string | number = (t) => t): string {
  const q = s.quality === 'good' ? '' : `,"quality":${JSON.stringify(s.quality)}`;
  return `{"ts":${JSON.stringify(ts(s.tsMs))},"tag":${JSON.stringify(s.tag)},"value":${JSON.stringify(s.value)}${q}}`;
}

export function toNdjson(samples: readonly RawSample[], ts: (tsMs: number) => string | number = (t) => t): string {
  let text = '';
  for (const s of samples) text += `${ndjsonLine(s, ts)}\n`;
  return text;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(samples: readonly RawSample[], ts: (tsMs: number) => string | number = (t) => t): string {
  let text = 'ts,tag,value,quality\r\n';
  for (const s of samples)
    text +=
      `${csvField(String(ts(s.tsMs)))},${csvField(s.tag)},` +
      `${csvField(String(s.value))},${s.quality === 'good' ? '' : s.quality}\r\n`;
  return text;
}
