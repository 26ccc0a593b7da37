// Sample timestamps of historian exports (docs/semantics.md section 1): integer epoch milliseconds, or
// ISO-8601 with an offset. Hand-rolled over char codes: Date.parse would accept strings without
// an offset (read as the machine's local time, a silent error on every DST night) and is slower.
import { daysFromCivil } from '../core/time-zone.js';

/** Problem text, or the epoch ms. Callers check `typeof result === 'number'`. */
export type TsResult = number | string;

const DIGIT_0 = 48;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM|±HHMM|±HH)`; a space may stand for the `T`, `z` for `Z`.
 * Fractions finer than a millisecond are truncated (floor) to whole milliseconds.
 */
export function parseIsoTs(s: string): TsResult {
  const expected = 'expected ISO-8601 with an offset (2026-03-29T00:59:58.120Z or ...+01:00) or integer epoch ms';
  if (s.length < 19) return `ts: ${expected}, found ${JSON.stringify(s)}`;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  const t = s.charCodeAt(10);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    (t !== 84 && t !== 32) ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return `ts: ${expected}, found ${JSON.stringify(s)}`;
  }
  const monthDays = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > monthDays)
    return `ts: ${JSON.stringify(s)} is not a calendar date (${year}-${month} has ${monthDays} days)`;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44) {
    i++;
    const start = i;
    let scale = 100;
    for (;;) {
      const d = s.charCodeAt(i) - DIGIT_0;
      if (!(d >= 0 && d <= 9)) break;
      ms += d * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return `ts: ${expected}, found ${JSON.stringify(s)} (no digits after the decimal point)`;
    ms = Math.floor(ms);
  }
  let offsetMin: number;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    offsetMin = 0;
    i++;
  } else if (z === 43 || z === 45) {
    const oh = digits(s, i + 1, 2);
    let om = 0;
    let end = i + 3;
    if (s.charCodeAt(end) === 58) {
      om = digits(s, end + 1, 2);
      end += 3;
    } else if (end + 2 === s.length) {
      om = digits(s, end, 2);
      end += 2;
    }
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return `ts: bad offset in ${JSON.stringify(s)}, expected Z or ±HH:MM`;
    offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
    i = end;
  } else {
    return `ts: ${JSON.stringify(s)} has no offset; expected Z or ±HH:MM (a local time is ambiguous on DST nights)`;
  }
  if (i !== s.length) return `ts: ${expected}, found ${JSON.stringify(s)} (trailing text)`;
  const days = daysFromCivil(year, month, day);
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms - offsetMin * 60_000;
}

/** A ts field of JSON: an integer number, or a string (ISO-8601 or all digits). */
export function parseTsValue(v: unknown): TsResult {
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) ? v : `ts: expected integer epoch milliseconds, found ${String(v)}`;
  }
  if (typeof v === 'string') return parseTsText(v);
  return `ts: expected epoch ms or an ISO-8601 string, found ${v === undefined ? 'nothing' : JSON.stringify(v)}`;
}

/** A ts as text (CSV field or JSON string): an optionally signed run of digits is epoch ms. */
export function parseTsText(s: string): TsResult {
  const c = s.charCodeAt(0);
  if (
    s.length > 0 &&
    s.length < 17 &&
    ((c >= 48 && c <= 57) || c === 45) &&
    digits(s, c === 45 ? 1 : 0, s.length - (c === 45 ? 1 : 0)) >= 0
  ) {
    const n = Number(s);
    if (Number.isSafeInteger(n) && s.length > (c === 45 ? 1 : 0)) return n;
  }
  if (s.length === 0) return 'ts: expected epoch ms or an ISO-8601 string, found an empty field';
  return parseIsoTs(s);
}
