// Pure mapping: a shift WindowSummary -> mrp.workcenter.productivity vals (docs/semantics.md section 8).
// No I/O, no clock. (node:crypto is used only as a deterministic hash function.)
//
// Odoo datetimes have second precision. Every interval boundary is mapped with the SAME function,
// floor(ms / 1000), so a record's date_end is exactly the next record's date_start: records stay
// contiguous (no gap, no overlap) and their durations telescope to floor(end) - floor(start) of the
// shift. The exact millisecond bounds and duration stay in the description, and the idempotency
// key is computed from the exact `startMs`.
//
// Description layout (the first two bracketed markers are the contract; the rest is for humans):
//   [shiftstream:<key>] [shiftstream-shift:<shiftKey>@<revision>] <plantId>/<workCenterId> <windowId> <lossKey>
//     <startIso>/<endIso> <durationMs>ms
// `<key>` and `<shiftKey>` are 32 lowercase hex characters; neither marker contains `%` or `_`,
// so an Odoo `ilike` on a marker matches literally.
import { createHash } from 'node:crypto';
import type { StateInterval, WindowSummary } from '../../core/types.js';
import type { OdooMappingPlan } from '../../topology/types.js';

export const PRODUCTIVITY_MODEL = 'mrp.workcenter.productivity';
export const KEY_MARKER_PREFIX = '[shiftstream:';
export const SHIFT_MARKER_PREFIX = '[shiftstream-shift:';

export interface WorkCenterTarget {
  readonly odooId: number;
  readonly companyId: number;
}

/** What master data resolved (see master-data.ts). */
export interface ResolvedTargets {
  /** shiftstream workCenterId -> its mrp.workcenter id and company. */
  readonly workCenters: ReadonlyMap<string, WorkCenterTarget>;
  /** Loss reference as written in the topology mapping (xml id or name) -> loss id. */
  readonly losses: ReadonlyMap<string, number>;
}

export type ProductivityVals = {
  readonly workcenter_id: number;
  readonly loss_id: number;
  readonly date_start: string;
  readonly date_end: string;
  readonly description: string;
  readonly company_id: number;
  /** The mrp.workorder of the interval's order (docs/semantics.md section 11), when known. */
  readonly workorder_id?: number;
};

export interface ProductivityRecord {
  readonly key: string;
  readonly shiftKey: string;
  readonly revision: number;
  readonly lossKey: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly vals: ProductivityVals;
}

export interface MappingResult {
  readonly records: readonly ProductivityRecord[];
  /** Every reason a record could not be built (missing work center or loss). Empty when all is fine. */
  readonly problems: readonly string[];
}

function hash32(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The loss-mapping key of an interval: `running`, `idle`, ..., `down/<reason>`. */
export function lossKeyFor(interval: StateInterval): string {
  if (interval.category === 'down') return `down/${interval.reason ?? 'unspecified'}`;
  return interval.category;
}

/** The loss reference for a loss key: `down/<reason>` falls back to `down`. */
export function lossRefFor(lossKey: string, mapping: OdooMappingPlan): string | undefined {
  const direct = mapping.losses.get(lossKey);
  if (direct !== undefined) return direct;
  return lossKey.startsWith('down/') ? mapping.losses.get('down') : undefined;
}

/** Identifies one shift instance of one work center (all revisions share it). */
export function shiftKeyFor(plantId: string, workCenterId: string, windowId: string): string {
  return hash32(JSON.stringify(['shift', plantId, workCenterId, windowId]));
}

/**
 * Deterministic idempotency key of one record: (plant, work center, shift instance, kind, interval start, revision).
 */
export function idempotencyKey(
  plantId: string,
  workCenterId: string,
  windowId: string,
  kind: string,
  startMs: number,
  revision: number,
): string {
  return hash32(JSON.stringify([plantId, workCenterId, windowId, kind, startMs, revision]));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** UTC `YYYY-MM-DD HH:MM:SS`, milliseconds floored (see the header comment). */
export function odooDatetime(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** Epoch ms of an Odoo UTC datetime string (second precision). */
export function parseOdooDatetime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

export function keyMarker(key: string): string {
  return `${KEY_MARKER_PREFIX}${key}]`;
}

/** Matches every revision of one shift instance (`ilike` on it). */
export function shiftMarkerPrefix(shiftKey: string): string {
  return `${SHIFT_MARKER_PREFIX}${shiftKey}@`;
}

export interface ParsedMarkers {
  readonly key: string;
  readonly shiftKey: string;
  readonly revision: number;
}

const MARKERS = /^\[shiftstream:([0-9a-f]{32})\] \[shiftstream-shift:([0-9a-f]{32})@(\d+)\]/;

/** Reads the markers back from a description; null when it is not one of ours. */
export function parseMarkers(description: unknown): ParsedMarkers | null {
  if (typeof description !== 'string') return null;
  const m = MARKERS.exec(description);
  if (m === null) return null;
  return { key: m[1] as string, shiftKey: m[2] as string, revision: Number(m[3]) };
}

/** The productivity records of one summary (one per posted merged interval). */
export function summaryToRecords(
  summary: WindowSummary,
  mapping: OdooMappingPlan,
  targets: ResolvedTargets,
): MappingResult {
  const problems: string[] = [];
  const where = `${summary.plantId}/${summary.workCenterId} ${summary.windowId} r${summary.revision}`;
  const wc = targets.workCenters.get(summary.workCenterId);
  if (wc === undefined)
    problems.push(`${where}: work center ${JSON.stringify(summary.workCenterId)} has no resolved mrp.workcenter id`);
  const shiftKey = shiftKeyFor(summary.plantId, summary.workCenterId, summary.windowId);
  const posted = new Set(mapping.postCategories);
  const records: ProductivityRecord[] = [];
  for (const interval of summary.intervals) {
    if (!posted.has(interval.category)) continue;
    const lossKey = lossKeyFor(interval);
    const ref = lossRefFor(lossKey, mapping);
    if (ref === undefined) {
      problems.push(
        `${where}: loss mapping has no entry for ` +
          `${JSON.stringify(lossKey)}${lossKey.startsWith('down/') ? ' nor "down"' : ''}`,
      );
      continue;
    }
    const lossId = targets.losses.get(ref);
    if (lossId === undefined) {
      problems.push(
        `${where}: loss ${JSON.stringify(ref)} (for ${JSON.stringify(lossKey)}) ` +
          `has no resolved mrp.workcenter.productivity.loss id`,
      );
      continue;
    }
    if (wc === undefined) continue;
    const key = idempotencyKey(
      summary.plantId,
      summary.workCenterId,
      summary.windowId,
      `productivity/${lossKey}`,
      interval.startMs,
      summary.revision,
    );
    const description =
      `${keyMarker(key)} [shiftstream-shift:${shiftKey}@${summary.revision}] ` +
      `${summary.plantId}/${summary.workCenterId} ${summary.windowId} ${lossKey} ` +
      `${new Date(interval.startMs).toISOString()}/${new Date(interval.endMs).toISOString()} ` +
      `${interval.endMs - interval.startMs}ms`;
    records.push({
      key,
      shiftKey,
      revision: summary.revision,
      lossKey,
      startMs: interval.startMs,
      endMs: interval.endMs,
      vals: {
        workcenter_id: wc.odooId,
        loss_id: lossId,
        date_start: odooDatetime(interval.startMs),
        date_end: odooDatetime(interval.endMs),
        description,
        company_id: wc.companyId,
        // Time reaches Odoo once, here: each record carries its interval's work order (section 11).
        ...(typeof interval.workOrderId === 'number' ? { workorder_id: interval.workOrderId } : {}),
      },
    });
  }
  return { records, problems };
}
