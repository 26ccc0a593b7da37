// One historian-export record (an NDJSON line or a CSV row) -> a RawSample, or a reject with a
// reason and a message. No I/O; the runner feeds lines in and counts the verdicts.
import type { Quality, RawSample, SampleValue } from '../core/types.js';
import { parseTsText, parseTsValue } from './timestamp.js';

/** Why a line never became a sample (mapping rejects use the core's REJECT_REASONS instead). */
export const PARSE_REJECT_REASONS = [
  'malformed-json',
  'malformed-csv',
  'missing-field',
  'invalid-field',
  'invalid-ts',
  'line-too-long',
] as const;
export type ParseRejectReason = (typeof PARSE_REJECT_REASONS)[number];

export interface ParseReject {
  readonly reject: true;
  readonly reason: ParseRejectReason;
  readonly detail: string;
}

export type ParseResult = RawSample | ParseReject;

export function isReject(r: ParseResult): r is ParseReject {
  return (r as ParseReject).reject === true;
}

function reject(reason: ParseRejectReason, detail: string): ParseReject {
  return { reject: true, reason, detail };
}

/** `good` | `uncertain` | `bad`, any case; empty or absent means `good`. */
export function parseQuality(text: string): Quality | undefined {
  switch (text) {
    case '':
    case 'good':
      return 'good';
    case 'uncertain':
      return 'uncertain';
    case 'bad':
      return 'bad';
    default: {
      const lower = text.toLowerCase();
      return lower === text ? undefined : parseQuality(lower);
    }
  }
}

function quote(v: unknown): string {
  const text = v === undefined ? 'undefined' : JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * One NDJSON line: `{"ts": <epoch ms | ISO-8601>, "tag": "...", "value": <number|string|boolean>, "quality"?: "..."}`.
 * JSON.parse it is: a hand-rolled parser of this shape measured no faster (docs/replay.md).
 */
export function parseNdjsonLine(line: string): ParseResult {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (err) {
    return reject('malformed-json', `expected a JSON object, found invalid JSON (${(err as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    return reject('malformed-json', `expected a JSON object, found ${Array.isArray(o) ? 'an array' : quote(o)}`);
  }
  const r = o as { ts?: unknown; tag?: unknown; value?: unknown; quality?: unknown };
  return ndjsonFieldsToSample(r.ts, r.tag, r.value, r.quality);
}

/** The fields of one sample, as JSON values (NDJSON lines, MQTT payloads) -> a RawSample or a reject. */
export function ndjsonFieldsToSample(ts: unknown, tag: unknown, value: unknown, quality: unknown): ParseResult {
  if (ts === undefined || tag === undefined || value === undefined) {
    const missing = [
      ts === undefined ? 'ts' : '',
      tag === undefined ? 'tag' : '',
      value === undefined ? 'value' : '',
    ].filter((x) => x !== '');
    return reject('missing-field', `expected fields ts, tag and value, found no ${missing.join(', ')}`);
  }
  if (typeof tag !== 'string' || tag === '')
    return reject('invalid-field', `tag: expected a non-empty string, found ${quote(tag)}`);
  let v: SampleValue;
  if (typeof value === 'string' || typeof value === 'boolean') v = value;
  else if (typeof value === 'number' && Number.isFinite(value)) v = value;
  else return reject('invalid-field', `value: expected a number, string or boolean, found ${quote(value)}`);
  let q: Quality | undefined = 'good';
  if (quality !== undefined && quality !== null) {
    q = typeof quality === 'string' ? parseQuality(quality) : undefined;
    if (q === undefined)
      return reject('invalid-field', `quality: expected good, uncertain or bad, found ${quote(quality)}`);
  }
  const tsMs = parseTsValue(ts);
  if (typeof tsMs !== 'number') return reject('invalid-ts', tsMs);
  return { tag, tsMs, value: v, quality: q };
}

/**
 * A CSV value: a decimal number (Number() of it is finite; no hex/octal/binary prefixes, no
 * surrounding space) becomes a number; `true`/`false` (any case) a boolean; anything else,
 * including the empty field, stays a string. Quoting does not change the typing.
 */
export function csvValue(text: string): SampleValue {
  const n = text.length;
  if (n === 0) return text;
  const c = text.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    const c1 = text.charCodeAt(1) | 0x20;
    if (!(c === 48 && (c1 === 120 || c1 === 111 || c1 === 98))) {
      const last = text.charCodeAt(n - 1);
      if (last !== 32 && last !== 9) {
        const num = Number(text);
        if (Number.isFinite(num)) return num;
      }
    }
    return text;
  }
  if (n === 4 || n === 5) {
    const lower = text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return text;
}

/** The number of `"` in the text: an odd count means a quoted field runs on to the next line. */
export function countQuotes(text: string): number {
  let count = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) count++;
  return count;
}

/** RFC 4180 fields of one record (which may span lines), or a problem text. */
export function splitCsvRecord(record: string, out: string[]): string | undefined {
  out.length = 0;
  if (record.indexOf('"') === -1) {
    let from = 0;
    for (let i = record.indexOf(','); i !== -1; i = record.indexOf(',', from)) {
      out.push(record.slice(from, i));
      from = i + 1;
    }
    out.push(record.slice(from));
    return undefined;
  }
  let i = 0;
  const n = record.length;
  for (;;) {
    if (record.charCodeAt(i) === 34) {
      let field = '';
      let from = i + 1;
      for (;;) {
        const q = record.indexOf('"', from);
        if (q === -1) return `field ${out.length + 1}: a quoted field is not closed`;
        field += record.slice(from, q);
        if (record.charCodeAt(q + 1) === 34) {
          field += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(field);
      if (i === n) return undefined;
      if (record.charCodeAt(i) !== 44)
        return `field ${out.length}: expected a comma after the closing quote, found ${JSON.stringify(record[i])}`;
      i++;
    } else {
      const comma = record.indexOf(',', i);
      const end = comma === -1 ? n : comma;
      const field = record.slice(i, end);
      if (field.indexOf('"') !== -1)
        return `field ${out.length + 1}: a quote inside an unquoted field (quote the field and double the quote)`;
      out.push(field);
      if (comma === -1) return undefined;
      i = comma + 1;
    }
    if (i === n) {
      out.push('');
      return undefined;
    }
  }
}

/** Column positions of a CSV export, from its header. */
export interface CsvColumns {
  readonly count: number;
  readonly ts: number;
  readonly tag: number;
  readonly value: number;
  /** -1 when the export has no quality column. */
  readonly quality: number;
  readonly ignored: readonly string[];
}

/** The header must name ts, tag and value (any order, any case); quality is optional; other columns are ignored. */
export function parseCsvHeader(fields: readonly string[]): CsvColumns | string {
  const names = fields.map((f) => f.trim().toLowerCase());
  const at = (name: string): number => names.indexOf(name);
  const missing = ['ts', 'tag', 'value'].filter((n) => at(n) === -1);
  if (missing.length > 0) {
    return (
      `expected a CSV header naming ts,tag,value[,quality], found ` +
      `${JSON.stringify(fields.join(','))} (no ${missing.join(', ')})`
    );
  }
  const dup = names.find((n, i) => n !== '' && names.indexOf(n) !== i);
  if (dup !== undefined) return `expected each column once in the CSV header, found '${dup}' twice`;
  const known = new Set(['ts', 'tag', 'value', 'quality']);
  return {
    count: fields.length,
    ts: at('ts'),
    tag: at('tag'),
    value: at('value'),
    quality: at('quality'),
    ignored: fields.filter((_, i) => !known.has(names[i]!)),
  };
}

/** One CSV data record after splitting. */
export function csvFieldsToSample(fields: readonly string[], cols: CsvColumns): ParseResult {
  if (fields.length !== cols.count) {
    return reject('malformed-csv', `expected ${cols.count} fields as in the header, found ${fields.length}`);
  }
  const tag = fields[cols.tag]!;
  if (tag === '') return reject('missing-field', 'tag: expected a non-empty tag, found an empty field');
  let quality: Quality | undefined = 'good';
  if (cols.quality >= 0) {
    const text = fields[cols.quality]!;
    quality = parseQuality(text);
    if (quality === undefined)
      return reject('invalid-field', `quality: expected good, uncertain, bad or empty, found ${quote(text)}`);
  }
  const tsMs = parseTsText(fields[cols.ts]!);
  if (typeof tsMs !== 'number') return reject('invalid-ts', tsMs);
  return { tag, tsMs, value: csvValue(fields[cols.value]!), quality };
}
