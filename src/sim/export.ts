// Historian export lines (docs/semantics.md section 1) from raw samples: NDJSON
// `{"ts":...,"tag":...,"value":...,"quality":...}` and CSV with the header `ts,tag,value,quality`.
// Pure string functions; writing files is the caller's business.
import type { RawSample } from '../core/types.js';

export const SAMPLE_CSV_HEADER = 'ts,tag,value,quality';

export interface ExportFormatOptions {
  /** `epoch` (default): integer ms. `iso`: ISO-8601 with an offset. */
  readonly ts?: 'epoch' | 'iso';
  /** With `ts: 'iso'`: the offset written, in minutes east of UTC (default 0, written `Z`). */
  readonly isoOffsetMinutes?: number;
  /** Leave out `quality` when it is `good` (the default quality). Default false. */
  readonly omitGoodQuality?: boolean;
}

/** `2026-03-29T00:59:58.120Z`, or with an offset `2026-03-29T01:59:58.120+01:00`. */
export function formatIsoTs(tsMs: number, offsetMinutes = 0): string {
  if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) >= 24 * 60) {
    throw new RangeError(`formatIsoTs: expected an integer offset in (-1440, 1440) minutes, found ${offsetMinutes}`);
  }
  if (offsetMinutes === 0) return new Date(tsMs).toISOString();
  const local = new Date(tsMs + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

function tsField(tsMs: number, o: ExportFormatOptions): string | number {
  return o.ts === 'iso' ? formatIsoTs(tsMs, o.isoOffsetMinutes ?? 0) : tsMs;
}

/** One NDJSON line, without the trailing newline. */
export function sampleToNdjsonLine(s: RawSample, o: ExportFormatOptions = {}): string {
  const ts = JSON.stringify(tsField(s.tsMs, o));
  const head = `{"ts":${ts},"tag":${JSON.stringify(s.tag)},"value":${JSON.stringify(s.value)}`;
  return o.omitGoodQuality === true && s.quality === 'good' ? `${head}}` : `${head},"quality":"${s.quality}"}`;
}

/** NDJSON text: one line per sample, each ending with `\n`. */
export function samplesToNdjson(samples: readonly RawSample[], o: ExportFormatOptions = {}): string {
  let text = '';
  for (const s of samples) text += `${sampleToNdjsonLine(s, o)}\n`;
  return text;
}

/** RFC 4180 quoting: a field with a comma, quote, CR, LF or outer space is quoted, quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV row (no trailing newline). An empty quality field means `good` when omitted. */
export function sampleToCsvLine(s: RawSample, o: ExportFormatOptions = {}): string {
  const quality = o.omitGoodQuality === true && s.quality === 'good' ? '' : s.quality;
  return `${csvField(String(tsField(s.tsMs, o)))},${csvField(s.tag)},${csvField(String(s.value))},${quality}`;
}

/** CSV text with the header line (unless `header: false`), each line ending with `\n`. */
export function samplesToCsv(
  samples: readonly RawSample[],
  o: ExportFormatOptions & { readonly header?: boolean } = {},
): string {
  let text = o.header === false ? '' : `${SAMPLE_CSV_HEADER}\n`;
  for (const s of samples) text += `${sampleToCsvLine(s, o)}\n`;
  return text;
}
