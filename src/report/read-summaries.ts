// Reads WindowSummary NDJSON (what `demo`, `replay` and the shift-summary topic produce) for the
// report: keeps shift summaries only, and of those the last revision per (plant, work center,
// shift instance). Streams line by line, so the input may be large; only shift summaries are kept.
// A bad line is reported with its line number and skipped; it never stops the report.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ShiftstreamError } from '../errors.js';
import { STATE_CATEGORIES, type OrderSummary, type StateCategory, type WindowSummary } from '../core/types.js';
import { OrderSummaryCollector } from './order-table.js';

export interface LineProblem {
  readonly line: number;
  readonly message: string;
}

export interface ReadResult {
  /** The last revision of each (plant, work center, shift), in input order of first appearance. */
  readonly summaries: WindowSummary[];
  readonly linesRead: number;
  /** Valid summaries of other window kinds (tumbling, hopping), ignored. */
  readonly otherKinds: number;
  /** Shift summaries replaced by a later revision. */
  readonly supersededRevisions: number;
  readonly problems: LineProblem[];
}

const CATEGORIES = new Set<string>(STATE_CATEGORIES);

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Checks the fields the report uses; returns the first problem, or undefined when the record is usable. */
export function checkSummary(v: unknown): string | undefined {
  if (!isRecord(v)) return `expected a JSON object, found ${describe(v)}`;
  for (const key of [
    'plantId',
    'workCenterId',
    'windowKind',
    'windowName',
    'windowId',
    'startLocal',
    'endLocal',
  ] as const) {
    if (typeof v[key] !== 'string' || v[key] === '')
      return `${key}: expected a non-empty string, found ${describe(v[key])}`;
  }
  for (const key of [
    'startMs',
    'endMs',
    'revision',
    'lengthMs',
    'plannedMs',
    'runtimeMs',
    'downtimeMs',
    'goodCount',
    'scrapCount',
  ] as const) {
    if (typeof v[key] !== 'number' || !Number.isFinite(v[key]))
      return `${key}: expected a number, found ${describe(v[key])}`;
  }
  if ((v['endMs'] as number) <= (v['startMs'] as number))
    return `endMs: expected after startMs (${String(v['startMs'])}), found ${String(v['endMs'])}`;
  if (v['shiftName'] !== undefined && v['shiftName'] !== null && typeof v['shiftName'] !== 'string')
    return `shiftName: expected a string or null, found ${describe(v['shiftName'])}`;
  if (typeof v['final'] !== 'boolean') return `final: expected true or false, found ${describe(v['final'])}`;
  for (const key of ['availability', 'performance', 'quality', 'oee'] as const) {
    const x = v[key];
    if (x !== null && (typeof x !== 'number' || !Number.isFinite(x)))
      return `${key}: expected a number or null, found ${describe(x)}`;
  }
  for (const key of ['downtimeByReason', 'counts'] as const) {
    const obj = v[key];
    if (!isRecord(obj)) return `${key}: expected an object of numbers, found ${describe(obj)}`;
    for (const [k, x] of Object.entries(obj))
      if (typeof x !== 'number' || !Number.isFinite(x)) return `${key}.${k}: expected a number, found ${describe(x)}`;
  }
  const intervals = v['intervals'];
  if (!Array.isArray(intervals)) return `intervals: expected an array, found ${describe(intervals)}`;
  for (let i = 0; i < intervals.length; i++) {
    const iv: unknown = intervals[i];
    if (!isRecord(iv)) return `intervals[${i}]: expected an object, found ${describe(iv)}`;
    if (typeof iv['startMs'] !== 'number' || typeof iv['endMs'] !== 'number' || iv['endMs'] < iv['startMs']) {
      return (
        `intervals[${i}]: expected numbers startMs <= endMs, found ` +
        `${describe(iv['startMs'])} and ${describe(iv['endMs'])}`
      );
    }
    if (typeof iv['category'] !== 'string' || !CATEGORIES.has(iv['category'])) {
      return (
        `intervals[${i}].category: expected one of ` +
        `${STATE_CATEGORIES.join(', ')}, found ${describe(iv['category'])}`
      );
    }
    if (iv['reason'] !== null && iv['reason'] !== undefined && typeof iv['reason'] !== 'string')
      return `intervals[${i}].reason: expected a string or null, found ${describe(iv['reason'])}`;
  }
  return undefined;
}

/** Fills optional fields that older producers may leave out, so the renderer sees one shape. */
function normalize(v: Record<string, unknown>): WindowSummary {
  const timeByCategory = isRecord(v['timeByCategory']) ? v['timeByCategory'] : {};
  const byCat = Object.fromEntries(
    STATE_CATEGORIES.map((c) => [c, typeof timeByCategory[c] === 'number' ? timeByCategory[c] : 0]),
  ) as Record<StateCategory, number>;
  return {
    ...(v as unknown as WindowSummary),
    shiftName: typeof v['shiftName'] === 'string' ? v['shiftName'] : null,
    timeByCategory: byCat,
    intervals: (v['intervals'] as Record<string, unknown>[]).map((iv) => ({
      startMs: iv['startMs'] as number,
      endMs: iv['endMs'] as number,
      category: iv['category'] as StateCategory,
      reason: typeof iv['reason'] === 'string' ? iv['reason'] : null,
    })),
  };
}

export function summaryKey(s: Pick<WindowSummary, 'plantId' | 'workCenterId' | 'windowId'>): string {
  return `${s.plantId}\u0000${s.workCenterId}\u0000${s.windowId}`;
}

/** Folds one parsed line into the result; exported for tests and for callers that hold summaries in memory. */
export class ShiftSummaryCollector {
  private readonly byKey = new Map<string, WindowSummary>();
  otherKinds = 0;
  superseded = 0;

  add(s: WindowSummary): void {
    if (s.windowKind !== 'shift') {
      this.otherKinds++;
      return;
    }
    const key = summaryKey(s);
    const prev = this.byKey.get(key);
    if (prev !== undefined) {
      this.superseded++;
      // A later line with the same revision replaces the earlier one (a re-emission is identical).
      if (prev.revision > s.revision) return;
    }
    this.byKey.set(key, s);
  }

  summaries(): WindowSummary[] {
    return [...this.byKey.values()];
  }
}

export async function readShiftSummaries(path: string): Promise<ReadResult> {
  const collector = new ShiftSummaryCollector();
  const problems: LineProblem[] = [];
  let lineNo = 0;
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new ShiftstreamError(
      'SHIFTSTREAM_INPUT_INVALID',
      `report: cannot read --input ${path}: ${(err as Error).message}`,
      { cause: err, details: { path } },
    );
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = raw.trim();
      if (line === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        problems.push({
          line: lineNo,
          message: `expected one JSON WindowSummary per line, found invalid JSON (${(err as Error).message})`,
        });
        continue;
      }
      const problem = checkSummary(parsed);
      if (problem !== undefined) {
        problems.push({ line: lineNo, message: problem });
        continue;
      }
      collector.add(normalize(parsed as Record<string, unknown>));
    }
  } catch (err) {
    throw new ShiftstreamError(
      'SHIFTSTREAM_INPUT_INVALID',
      `report: reading --input ${path} failed at line ${lineNo + 1}: ${(err as Error).message}`,
      { cause: err, details: { path, line: lineNo + 1 } },
    );
  }
  return {
    summaries: collector.summaries(),
    linesRead: lineNo,
    otherKinds: collector.otherKinds,
    supersededRevisions: collector.superseded,
    problems,
  };
}

/** The order summaries of order-summaries.ndjson (semantics section 11): last revision per share. */
export interface OrderReadResult {
  readonly orders: OrderSummary[];
  readonly problems: LineProblem[];
}

/** Checks an order summary line: a shift summary's fields plus `orderRef` (a string or null). */
export function checkOrderSummary(v: unknown): string | undefined {
  const problem = checkSummary(v);
  if (problem !== undefined) return problem;
  const o = v as Record<string, unknown>;
  if (o['windowKind'] !== 'shift') return `windowKind: expected "shift", found ${describe(o['windowKind'])}`;
  if (o['orderRef'] !== null && (typeof o['orderRef'] !== 'string' || o['orderRef'] === ''))
    return `orderRef: expected a non-empty string or null, found ${describe(o['orderRef'])}`;
  if (typeof o['samplesApplied'] !== 'number')
    return `samplesApplied: expected a number, found ${describe(o['samplesApplied'])}`;
  return undefined;
}

export async function readOrderSummaries(path: string): Promise<OrderReadResult> {
  const collector = new OrderSummaryCollector();
  const problems: LineProblem[] = [];
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ShiftstreamError(
      'SHIFTSTREAM_INPUT_INVALID',
      `report: cannot read --orders ${path}: ${(err as Error).message}`,
      { cause: err, details: { path } },
    );
  }
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      problems.push({
        line: i + 1,
        message: `expected one JSON OrderSummary per line, found invalid JSON (${(err as Error).message})`,
      });
      return;
    }
    const problem = checkOrderSummary(parsed);
    if (problem !== undefined) problems.push({ line: i + 1, message: problem });
    else collector.add(parsed as OrderSummary);
  });
  return { orders: collector.summaries(), problems };
}
