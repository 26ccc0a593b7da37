// Shift records are authoritative over live downtime records.
//
// `post --milestones` opens an mrp.workcenter.productivity record on machine_down (no date_end) and
// closes it on machine_up: a live, provisional view. `post` later posts the exact intervals of the
// closed shift, downtime included. Left side by side, Odoo would count that downtime twice. The rule:
// once a shift summary of work center W is confirmed in Odoo (any revision), W's live records keep
// only their part after the last posted shift they overlap:
//   - a live record lying inside posted shift time is removed;
//   - a live record still open, or ending after the shift, that started before the shift's end is
//     moved to start at the shift's end (date_start is written), so an open one goes on showing
//     "down now" without overlapping posted time. (Its part before the shift's start, if any, is
//     dropped too: that time belongs to earlier shifts, which count it once they are posted.)
//
// Both posters apply it, so the order in which they run does not matter:
//   - the shift side (`withLiveDowntime` around the ProductivityWriter): after Odoo confirmed a batch,
//     it records each shift's span [startMs, endMs) in Redis (`cover:<workCenterId>`, a sorted set
//     scored by the end; spans older than COVER_RETENTION_MS before the newest are dropped), THEN
//     searches W's live records (marker `[shiftstream-down:`, work center, dates) and clips them;
//   - the milestone side: a machine_down creates its record already clipped to the posted spans
//     (a late down inside a posted shift starts at the shift's end); a machine_up removes a record
//     that would end inside posted time and otherwise closes it, clipped. Each side reads the spans
//     again after writing and clips once more when they changed meanwhile (the other poster ran
//     concurrently). Before creating a live record the milestone side flags W (`live:<workCenterId>`):
//     the shift side searches Odoo only for flagged work centers, so a plant without milestones
//     posts with creates only.
// Every step is idempotent and computed from what Odoo holds now: a crash between the unlink and
// the write, a lost response or a concurrent poster converges on the next pass (re-delivery: the
// writer answers `already-posted` from its ledger and the clip runs again). A record another poster
// removed meanwhile (MissingError) makes the pass start over.
import type { WindowSummary } from '../../core/types.js';
import { OdooError } from '../../errors.js';
import type { OdooClient } from './client.js';
import type { PostResult, ProductivityWriter } from './productivity-writer.js';
import type { ResolvedTargets } from './productivity-records.js';
import { PRODUCTIVITY_MODEL, odooDatetime, parseOdooDatetime } from './productivity-records.js';
import type { BackoffPolicy } from './retry.js';
import { realSleep, withRetry } from './retry.js';
import type { KeyValueStore } from '../../ports/key-value.js';
import { m2oId } from './values.js';

/** Marker at the start of a live downtime record's description: `[shiftstream-down:<milestoneKey>]`. */
export const DOWN_MARKER = '[shiftstream-down:';

/** Posted shift spans are kept this long before the newest span of the work center. */
export const COVER_RETENTION_MS = 40 * 24 * 3_600_000;

/** How often a pass starts over when a record vanished under it (another poster removed it). */
const MISSING_PASSES = 5;

/** A posted shift's span, half-open [startMs, endMs). */
export interface Span {
  readonly startMs: number;
  readonly endMs: number;
}

export type Clip =
  { readonly action: 'keep' } | { readonly action: 'move'; readonly startMs: number } | { readonly action: 'remove' };

const toSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/**
 * Pure: what happens to a live record [startMs, endMs) (endMs null = open; Odoo second precision)
 * given posted spans. Spans are compared as Odoo holds them (bounds floored to the second, like the
 * posted records). The record keeps only its part after the last span it overlaps.
 */
export function clipLive(startMs: number, endMs: number | null, spans: readonly Span[]): Clip {
  let latestEnd = -Infinity;
  for (const s of spans) {
    const sStart = toSecond(s.startMs);
    const sEnd = toSecond(s.endMs);
    if (sEnd <= sStart) continue;
    if (sStart < (endMs ?? Infinity) && sEnd > startMs) latestEnd = Math.max(latestEnd, sEnd);
  }
  if (latestEnd === -Infinity) return endMs !== null && endMs < startMs ? { action: 'remove' } : { action: 'keep' };
  if (endMs !== null && latestEnd >= endMs) return { action: 'remove' };
  return { action: 'move', startMs: latestEnd };
}

/** The live-downtime state in the services' key-value store (Redis). */
export interface LiveDowntimeStore {
  /** Records posted shift spans of a work center (idempotent). */
  addCoverage(workCenterId: string, spans: readonly Span[]): Promise<void>;
  /** Posted spans of a work center that end after `afterMs`, by end. */
  coverage(workCenterId: string, afterMs: number): Promise<Span[]>;
  /** Flags a work center as possibly holding live records (set before creating one). */
  markLive(workCenterId: string): Promise<void>;
  /** Which of these work centers are flagged. */
  liveOf(workCenterIds: readonly string[]): Promise<Set<string>>;
}

export function liveDowntimeStoreOn(kv: KeyValueStore): LiveDowntimeStore {
  return {
    async addCoverage(workCenterId, spans) {
      if (spans.length === 0) return;
      const newest = Math.max(...spans.map((s) => s.endMs));
      for (const s of spans)
        await kv.sortedAdd(`cover:${workCenterId}`, s.endMs, `${s.startMs}-${s.endMs}`, newest - COVER_RETENTION_MS);
    },
    async coverage(workCenterId, afterMs) {
      const out: Span[] = [];
      for (const member of await kv.sortedAbove(`cover:${workCenterId}`, afterMs)) {
        const m = /^(-?\d+)-(-?\d+)$/.exec(member);
        if (m !== null) out.push({ startMs: Number(m[1]), endMs: Number(m[2]) });
      }
      return out;
    },
    markLive: (workCenterId) => kv.set(`live:${workCenterId}`, '1'),
    async liveOf(workCenterIds) {
      const flags = await Promise.all(workCenterIds.map(async (id) => [id, await kv.get(`live:${id}`)] as const));
      return new Set(flags.filter(([, v]) => v !== null).map(([id]) => id));
    },
  };
}

export interface LiveDowntimeOptions {
  readonly client: OdooClient;
  readonly store: LiveDowntimeStore;
  readonly targets: () => Promise<ResolvedTargets>;
  /** Retries of a whole pass (each attempt searches again, so a lost response is harmless). */
  readonly retry: BackoffPolicy;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SettleResult {
  /** Live records unlinked (inside posted time). */
  readonly removedIds: readonly number[];
  /** Live records whose date_start was moved to the end of a posted shift. */
  readonly movedIds: readonly number[];
}

export interface LiveDowntime {
  readonly store: LiveDowntimeStore;
  /**
   * After the shift poster confirmed these summaries: records their spans, then clips the flagged work centers' live
   * records.
   */
  afterShifts(summaries: readonly WindowSummary[]): Promise<SettleResult>;
  /**
   * Clips the live records of these work centers that overlap [fromMs, toMs) (toMs null: no upper bound) against every
   * posted span.
   */
  settle(workCenterIds: readonly string[], fromMs: number, toMs: number | null): Promise<SettleResult>;
}

interface LiveRow {
  readonly id: number;
  readonly workcenter_id: unknown;
  readonly date_start: unknown;
  readonly date_end: unknown;
}

export function isMissing(err: unknown): boolean {
  return err instanceof OdooError && err.code === 'SHIFTSTREAM_ODOO_MISSING';
}

/** Runs `pass` again when a record vanished under it (another poster removed it), up to a few times. */
export async function overMissing<T>(pass: () => Promise<T>): Promise<T> {
  for (let round = 1; ; round += 1) {
    try {
      return await pass();
    } catch (err) {
      if (!isMissing(err) || round >= MISSING_PASSES) throw err;
    }
  }
}

export function createLiveDowntime(options: LiveDowntimeOptions): LiveDowntime {
  const { client, store } = options;
  const sleep = options.sleep ?? realSleep;

  function retry<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      policy: options.retry,
      sleep,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  async function pass(workCenterIds: readonly string[], fromMs: number, toMs: number | null): Promise<SettleResult> {
    const targets = await options.targets();
    const byOdooId = new Map<number, string>();
    for (const id of workCenterIds) {
      const wc = targets.workCenters.get(id);
      if (wc !== undefined) byOdooId.set(wc.odooId, id);
    }
    if (byOdooId.size === 0) return { removedIds: [], movedIds: [] };
    const domain: unknown[] = [
      ['description', 'ilike', DOWN_MARKER],
      ['workcenter_id', 'in', [...byOdooId.keys()]],
      ...(toMs === null ? [] : [['date_start', '<', odooDatetime(toMs)]]),
      '|',
      ['date_end', '=', false],
      ['date_end', '>', odooDatetime(fromMs)],
    ];
    const rows = await client.searchRead<LiveRow>(PRODUCTIVITY_MODEL, domain, [
      'id',
      'workcenter_id',
      'date_start',
      'date_end',
    ]);
    // Spans per work center, read once from the earliest live record's start on.
    const earliest = new Map<string, number>();
    const parsed: { id: number; workCenterId: string; startMs: number; endMs: number | null }[] = [];
    for (const row of rows) {
      const workCenterId = byOdooId.get(m2oId(row.workcenter_id) ?? -1);
      if (workCenterId === undefined || typeof row.date_start !== 'string') continue;
      const startMs = parseOdooDatetime(row.date_start);
      const endMs = typeof row.date_end === 'string' ? parseOdooDatetime(row.date_end) : null;
      parsed.push({ id: row.id, workCenterId, startMs, endMs });
      earliest.set(workCenterId, Math.min(earliest.get(workCenterId) ?? Infinity, startMs));
    }
    const spans = new Map<string, Span[]>();
    for (const [id, startMs] of earliest) spans.set(id, await store.coverage(id, startMs));
    const removedIds: number[] = [];
    const moves = new Map<number, number[]>();
    for (const r of parsed) {
      const clip = clipLive(r.startMs, r.endMs, spans.get(r.workCenterId) ?? []);
      if (clip.action === 'remove') removedIds.push(r.id);
      else if (clip.action === 'move') moves.set(clip.startMs, [...(moves.get(clip.startMs) ?? []), r.id]);
    }
    // Unlink first, then move: a crash in between leaves no overlap that the next pass cannot see.
    if (removedIds.length > 0) await client.unlink(PRODUCTIVITY_MODEL, removedIds);
    const movedIds: number[] = [];
    for (const [startMs, ids] of moves) {
      await client.write(PRODUCTIVITY_MODEL, ids, { date_start: odooDatetime(startMs) });
      movedIds.push(...ids);
    }
    return { removedIds, movedIds };
  }

  async function settle(workCenterIds: readonly string[], fromMs: number, toMs: number | null): Promise<SettleResult> {
    if (workCenterIds.length === 0) return { removedIds: [], movedIds: [] };
    // A retry searches again: ids unlinked by a lost response are not found twice, moves are idempotent.
    return retry(() => overMissing(() => pass(workCenterIds, fromMs, toMs)));
  }

  return {
    store,
    settle,
    async afterShifts(summaries) {
      const byWc = new Map<string, Span[]>();
      for (const s of summaries)
        byWc.set(s.workCenterId, [...(byWc.get(s.workCenterId) ?? []), { startMs: s.startMs, endMs: s.endMs }]);
      // Spans first: a milestone poster that writes after this point sees them and clips itself.
      await Promise.all([...byWc].map(([id, spans]) => store.addCoverage(id, spans)));
      const live = await store.liveOf([...byWc.keys()]);
      if (live.size === 0) return { removedIds: [], movedIds: [] };
      const spans = [...live].flatMap((id) => byWc.get(id) ?? []);
      return settle([...live], Math.min(...spans.map((s) => s.startMs)), Math.max(...spans.map((s) => s.endMs)));
    },
  };
}

/** Shift outcomes that mean "this shift is in Odoo" (any revision). */
const CONFIRMED = new Set(['posted', 'already-posted', 'superseded']);

/**
 * The ProductivityWriter with the rule applied: after each post/flush, the live records of the
 * confirmed shifts' work centers are clipped. When that fails the call rejects like a failed post
 * (the caller re-delivers; the writer then answers from its ledger and the clip runs again).
 */
export function withLiveDowntime(writer: ProductivityWriter, live: LiveDowntime): ProductivityWriter {
  async function after(result: PostResult): Promise<PostResult> {
    const shifts = result.outcomes
      .filter((o) => CONFIRMED.has(o.status) && o.summary.windowKind === 'shift')
      .map((o) => o.summary);
    if (shifts.length > 0) await live.afterShifts(shifts);
    return result;
  }
  return {
    post: async (summaries) => after(await writer.post(summaries)),
    flush: async () => after(await writer.flush()),
    flushIfDue: async () => after(await writer.flushIfDue()),
    dueAtMs: () => writer.dueAtMs(),
  };
}
