// `reconcile --kind material`: what Odoo holds of the material events whose instant is in
// [fromMs, toMs) against the events read from the topics (docs/semantics.md section 13):
//   missing   an event with nothing in Odoo (no effective consumption note, no producing lot on its
//             production, no marked transfer);
//   extra     a marker of this plant in Odoo (a consumption note, a transfer, a marked lot set as a
//             production's producing lot) in the range whose event is in no topic;
//   altered   Odoo differs from the events: a consumption note's quantity, a line whose quantity
//             is not the sum of its notes (edited, or gone), a transfer not done or of another
//             quantity, lot, locations or package (result_package_id), a produced lot that exists
//             but is not the production's.
import type { MaterialEvent } from '../core/material.js';
import type { MaterialInOdoo } from '../ports/material-records.js';
import type { ReconcileRow } from './reconcile.js';

export type MaterialDifferenceKind = 'missing' | 'extra' | 'altered';

export interface MaterialDifference extends ReconcileRow {
  readonly kind: MaterialDifferenceKind;
  readonly key: string;
}

export interface MaterialReconcileResult {
  readonly events: number;
  readonly inOdoo: number;
  readonly differences: readonly MaterialDifference[];
}

export interface KeyedEvent {
  readonly key: string;
  readonly event: MaterialEvent;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
const round = (x: number): number => Math.round(x * 1e6) / 1e6;

export function reconcileMaterial(input: {
  /** Every distinct valid event of the topics (the range is applied here). */
  readonly events: readonly KeyedEvent[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly odoo: MaterialInOdoo;
}): MaterialReconcileResult {
  const { odoo } = input;
  const inRange = (t: number): boolean => t >= input.fromMs && t < input.toMs;
  const all = new Set(input.events.map((e) => e.key));
  const events = input.events.filter((e) => inRange(e.event.tsMs));
  const out: MaterialDifference[] = [];
  const row = (
    kind: MaterialDifferenceKind,
    e: MaterialEvent | null,
    key: string,
    odooId: number | null,
    expected: string,
    found: string,
  ): void => {
    out.push({
      kind,
      key,
      workCenterId: e?.workCenterId || e?.deviceId || '-',
      shift: e === null ? '-' : iso(e.tsMs),
      odooId,
      expected,
      found,
    });
  };
  const notes = new Map(odoo.consumptions.map((c) => [c.key, c]));
  const transfers = new Map(odoo.transfers.map((t) => [t.key, t]));
  let inOdoo = 0;
  const checkedLines = new Set<string>();
  for (const { key, event: e } of events) {
    const what = `${e.kind} ${e.product}${e.lot === null ? '' : ` lot ${e.lot}`} x${e.quantity}`;
    if (e.kind === 'lot_consumed') {
      const n = notes.get(key);
      if (n === undefined) {
        row('missing', e, key, null, what, 'no consumption note');
        continue;
      }
      inOdoo += 1;
      if (!same(n.qty, e.quantity)) row('altered', e, key, null, what, `note of ${n.qty}`);
      checkedLines.add(n.lineKey);
    } else if (e.kind === 'lot_produced') {
      const order = e.orderRef ?? '?';
      if (odoo.produced.linked.has(`${order}|${e.lot}`)) inOdoo += 1;
      else if (odoo.produced.lots.has(`${e.odooProduct}|${e.lot}`))
        row('altered', e, key, null, `${what} produced by ${order}`, 'the lot exists, not as the production lot');
      else row('missing', e, key, null, `${what} produced by ${order}`, 'no such lot');
    } else {
      const t = transfers.get(key);
      if (t === undefined) {
        row('missing', e, key, null, what, 'no transfer');
        continue;
      }
      inOdoo += 1;
      // A package is named only where there is one (on either side): into another one, or none, is altered.
      const pkg = (name: string | null): string => (name === null ? '' : ` package ${name}`);
      const want = `${e.lot ?? '-'} ${e.odooFrom} -> ${e.odooTo} x${e.quantity}${pkg(e.package)} done`;
      const got = `${t.lot ?? '-'} ${t.from} -> ${t.to} x${t.quantity}${pkg(t.package)} ${t.state}`;
      if (want !== got) row('altered', e, key, t.id, want, got);
    }
  }
  // Each line of the events' notes holds the sum of its notes (all of them, in range or not).
  for (const lineKey of [...checkedLines].sort()) {
    const sum = round(odoo.consumptions.filter((c) => c.lineKey === lineKey).reduce((s, c) => s + c.qty, 0));
    const line = odoo.lines.get(lineKey);
    const [move, lot, loc] = lineKey.split('|');
    if (line === undefined || !same(line.quantity, sum))
      row(
        'altered',
        null,
        lineKey,
        line?.id ?? null,
        `move ${move} lot ${lot} location ${loc}: a picked line of ${sum}`,
        line === undefined ? 'no picked line' : `${line.quantity}`,
      );
  }
  for (const c of odoo.consumptions)
    if (!all.has(c.key) && c.atMs !== null && inRange(c.atMs))
      row(
        'extra',
        null,
        c.key,
        c.productionId,
        'no event',
        `consumption note of ${c.qty} on production ${c.productionId}`,
      );
  for (const t of odoo.transfers)
    if (!all.has(t.key) && (t.doneAtMs === null || inRange(t.doneAtMs)))
      row('extra', null, t.key, t.id, 'no event', `transfer ${t.lot ?? '-'} ${t.from} -> ${t.to} x${t.quantity}`);
  // A producing lot shiftstream created (marked) whose event is in no topic and that no event of the
  // topics names as produced by that production; unmarked lots are people's work, not compared.
  const claimed = new Set(
    input.events.flatMap(({ event: e }) => (e.kind === 'lot_produced' ? [`${e.orderRef ?? '?'}|${e.lot}`] : [])),
  );
  for (const p of odoo.produced.marked)
    if (!all.has(p.key) && !claimed.has(`${p.production}|${p.lot}`) && p.atMs !== null && inRange(p.atMs))
      row('extra', null, p.key, p.lotId, 'no event', `lot ${p.lot} of ${p.product} produced by ${p.production}`);
  return { events: events.length, inOdoo, differences: out };
}
