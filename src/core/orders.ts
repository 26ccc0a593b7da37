// Order tagging (issue 6): which work order runs on a work center at an event's time, from the
// latest OrdersSnapshot of that work center (what `shiftstream orders sync` publishes to the
// compacted orders topic, src/engine/orders-sync.ts). Pure: the engine reads the topic and
// feeds an OrdersTable; stage 1 asks it for each event's tag.
//
// The rule (docs/semantics.md section 10, docs/odoo.md): the running order of work center W at event time t
// is, among the work orders of W's latest snapshot with state `progress` and dateStartMs <= t, the
// one with the greatest dateStartMs (tie: the smallest workOrderId); none -> null.

import type { PlannedStop } from './planned-maintenance.js';

/** One work order of a snapshot, as `orders sync` publishes it (only what the rule reads is checked). */
export interface OrderLine {
  readonly workOrderId: number;
  readonly name: string;
  readonly state: string;
  readonly productionId: number | null;
  readonly productionName: string | null;
  readonly productId: number | null;
  readonly productName: string | null;
  readonly qtyProduction: number;
  readonly qtyProduced: number;
  readonly dateStartMs: number | null;
  /**
   * When the work order finished (Odoo `date_finished`), null or absent while it runs. `orders sync`
   * publishes finished work orders within the amendment horizon (docs/semantics.md section 11).
   */
  readonly dateFinishedMs?: number | null;
}

/** Value of the orders topic, version 1: the work center's full list of released work orders. */
export interface OrdersSnapshot {
  readonly version: 1;
  readonly plantId: string;
  readonly workCenterId: string;
  readonly odooWorkcenterId: number;
  readonly atMs: number;
  readonly workOrders: readonly OrderLine[];
  /**
   * Planned maintenance (docs/semantics.md section 12): the work center's scheduled preventive
   * requests, sorted by start. Absent in snapshots of earlier releases: none.
   */
  readonly plannedMaintenance?: readonly PlannedStop[];
}

/** An event's tag: the running order's name (its manufacturing order) and work order id. */
export interface RunningOrder {
  /** The production (mrp.production) name, e.g. `WH/MO/00012`; the work order's name when Odoo gave none. */
  readonly order: string;
  readonly workOrderId: number;
}

/** The work order state that counts as running. */
export const RUNNING_STATE = 'progress';

/** The tag a work order gives an event (its production's name, else its own name). */
export function runningOrderOf(line: Pick<OrderLine, 'workOrderId' | 'name' | 'productionName'>): RunningOrder {
  return { order: line.productionName ?? line.name, workOrderId: line.workOrderId };
}

/** The running work order at `tsMs` among `workOrders` (the rule above), or null. */
export function runningWorkOrder(workOrders: readonly OrderLine[], tsMs: number): OrderLine | null {
  let best: OrderLine | null = null;
  for (const w of workOrders) {
    if (w.state !== RUNNING_STATE || w.dateStartMs === null || w.dateStartMs > tsMs) continue;
    if (
      best === null ||
      w.dateStartMs > best.dateStartMs! ||
      (w.dateStartMs === best.dateStartMs && w.workOrderId < best.workOrderId)
    )
      best = w;
  }
  return best;
}

export type OrdersVerdict =
  { readonly ok: true; readonly snapshot: OrdersSnapshot } | { readonly ok: false; readonly detail: string };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'nothing' : (JSON.stringify(v)?.slice(0, 80) ?? String(v)));

function lineProblem(w: unknown, i: number): string | undefined {
  const at = `workOrders[${i}]`;
  if (!isObj(w)) return `${at}: expected an object, found ${show(w)}`;
  if (!Number.isSafeInteger(w['workOrderId']))
    return `${at}.workOrderId: expected an integer, found ${show(w['workOrderId'])}`;
  if (typeof w['name'] !== 'string') return `${at}.name: expected a string, found ${show(w['name'])}`;
  if (typeof w['state'] !== 'string') return `${at}.state: expected a string, found ${show(w['state'])}`;
  if (w['productionName'] !== null && typeof w['productionName'] !== 'string')
    return `${at}.productionName: expected a string or null, found ${show(w['productionName'])}`;
  const d = w['dateStartMs'];
  if (d !== null && !Number.isSafeInteger(d))
    return `${at}.dateStartMs: expected epoch milliseconds or null, found ${show(d)}`;
  const f = w['dateFinishedMs'];
  if (f !== undefined && f !== null && !Number.isSafeInteger(f))
    return `${at}.dateFinishedMs: expected epoch milliseconds, null or nothing, found ${show(f)}`;
  return undefined;
}

function plannedProblem(p: unknown, i: number): string | undefined {
  const at = `plannedMaintenance[${i}]`;
  if (!isObj(p)) return `${at}: expected an object, found ${show(p)}`;
  if (!Number.isSafeInteger(p['requestId']))
    return `${at}.requestId: expected an integer, found ${show(p['requestId'])}`;
  if (typeof p['name'] !== 'string') return `${at}.name: expected a string, found ${show(p['name'])}`;
  if (!Number.isSafeInteger(p['startMs']))
    return `${at}.startMs: expected epoch milliseconds, found ${show(p['startMs'])}`;
  if (!Number.isSafeInteger(p['endMs']) || (p['endMs'] as number) < (p['startMs'] as number))
    return `${at}.endMs: expected epoch milliseconds not before startMs, found ${show(p['endMs'])}`;
  return undefined;
}

/**
 * Reads one value of the orders topic (JSON text). A record that is not JSON, not version 1, or
 * lacks what the running-order rule reads is a verdict with the reason, never an exception.
 */
export function parseOrdersSnapshot(text: string, plantId: string): OrdersVerdict {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      detail: `expected an OrdersSnapshot as JSON, found text that is not JSON (${(err as Error).message})`,
    };
  }
  if (!isObj(v)) return { ok: false, detail: `expected an OrdersSnapshot object, found ${show(v)}` };
  if (v['version'] !== 1) return { ok: false, detail: `version: expected 1, found ${show(v['version'])}` };
  if (v['plantId'] !== plantId)
    return { ok: false, detail: `plantId: expected '${plantId}', found ${show(v['plantId'])}` };
  if (typeof v['workCenterId'] !== 'string' || v['workCenterId'] === '')
    return { ok: false, detail: `workCenterId: expected a work center id, found ${show(v['workCenterId'])}` };
  const list = v['workOrders'];
  if (!Array.isArray(list))
    return { ok: false, detail: `workOrders: expected a list of work orders, found ${show(list)}` };
  for (let i = 0; i < list.length; i++) {
    const p = lineProblem(list[i], i);
    if (p !== undefined) return { ok: false, detail: p };
  }
  const planned = v['plannedMaintenance'];
  if (planned !== undefined) {
    if (!Array.isArray(planned))
      return { ok: false, detail: `plannedMaintenance: expected a list of planned stops, found ${show(planned)}` };
    for (let i = 0; i < planned.length; i++) {
      const p = plannedProblem(planned[i], i);
      if (p !== undefined) return { ok: false, detail: p };
    }
  }
  return { ok: true, snapshot: v as unknown as OrdersSnapshot };
}

interface Candidate {
  readonly startMs: number;
  readonly tag: RunningOrder;
}

/**
 * The orders table of one plant: the latest snapshot per work center, kept as the running
 * candidates only (state `progress` with a start), sorted by start descending then work order id
 * ascending, so a look-up is a scan of a list that is almost always 0 to 2 long and allocates
 * nothing (the tags are built once per snapshot).
 */
export class OrdersTable {
  private readonly byWc = new Map<string, readonly Candidate[]>();

  /** Replaces the work center's list with the snapshot's. */
  apply(snapshot: Pick<OrdersSnapshot, 'workCenterId' | 'workOrders'>): void {
    const candidates: Candidate[] = [];
    for (const w of snapshot.workOrders) {
      if (w.state === RUNNING_STATE && w.dateStartMs !== null)
        candidates.push({ startMs: w.dateStartMs, tag: runningOrderOf(w) });
    }
    candidates.sort((a, b) => b.startMs - a.startMs || a.tag.workOrderId - b.tag.workOrderId);
    if (candidates.length === 0) this.byWc.delete(snapshot.workCenterId);
    else this.byWc.set(snapshot.workCenterId, candidates);
  }

  /** A tombstone for the work center (its key deleted): nothing is released there. */
  clear(workCenterId: string): void {
    this.byWc.delete(workCenterId);
  }

  /** The running order of the work center at `tsMs`, or null. */
  runningAt(workCenterId: string, tsMs: number): RunningOrder | null {
    const list = this.byWc.get(workCenterId);
    if (list === undefined) return null;
    for (let i = 0; i < list.length; i++) if (list[i]!.startMs <= tsMs) return list[i]!.tag;
    return null;
  }

  /** Work centers with at least one running candidate. */
  get size(): number {
    return this.byWc.size;
  }
}
