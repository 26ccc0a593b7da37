// Reads back what `post --kind material` left in Odoo, for `reconcile --kind material`
// (engine/reconcile-material.ts): the effective consumption notes of the plant and the lines they
// point at, the marked transfers with their lines, the produced lots of the named productions, and
// every lot of the plant's marker that is a production's producing lot.
import type { MarkedProducedLot, MaterialInOdoo, TransferInOdoo } from '../../ports/material-records.js';
import type { OdooClient } from './client.js';
import { MATERIAL_MARKER, effectiveNotes, parseConsumptionNote, type ConsumptionNote } from './material-poster.js';
import { m2oId } from './values.js';

const VOID = /\[shiftstream-material-void:([0-9a-f]{32})#(\d+)\]/;
const AT = / at (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)/;
const LOT_NOTE = /\[shiftstream-material:([0-9a-f]{32})\] produced by \S+ on ([^/\s]+)\//;
const ORIGIN = /^\[shiftstream-material:([0-9a-f]{32})\] (\S+)/;
const odooMs = (v: unknown): number | null =>
  typeof v === 'string' && v !== '' ? Date.parse(`${v.replace(' ', 'T')}Z`) : null;

export async function readMaterialInOdoo(options: {
  readonly client: OdooClient;
  readonly plantId: string;
  /** Production name -> lot names the events say it produced. */
  readonly produced: ReadonlyMap<string, readonly string[]>;
}): Promise<MaterialInOdoo> {
  const { client, plantId } = options;
  const rows = await client.searchRead<{ id: number; body: unknown; res_id: unknown }>(
    'mail.message',
    [
      ['model', '=', 'mrp.production'],
      ['body', 'ilike', '[shiftstream-material'],
      ['body', 'ilike', `(shiftstream: ${plantId}/`],
    ],
    ['id', 'body', 'res_id'],
    { order: 'id' },
  );
  const voidRows = await client.searchRead<{ body: unknown }>(
    'mail.message',
    [
      ['model', '=', 'mrp.production'],
      ['body', 'ilike', '[shiftstream-material-void:'],
    ],
    ['body'],
  );
  const voids = new Set<string>();
  for (const r of voidRows) {
    const v = typeof r.body === 'string' ? VOID.exec(r.body) : null;
    if (v !== null) voids.add(`${v[1]}#${v[2]}`);
  }
  const notes: (ConsumptionNote & { productionId: number; atMs: number | null })[] = [];
  for (const r of rows) {
    const n = parseConsumptionNote(r.body);
    if (n === null) continue;
    const at = typeof r.body === 'string' ? AT.exec(r.body) : null;
    notes.push({ ...n, productionId: Number(r.res_id), atMs: at === null ? null : Date.parse(at[1] as string) });
  }
  const effective = effectiveNotes(notes, voids) as typeof notes;
  const moves = [...new Set(effective.map((n) => n.moveId))];
  const lineRows =
    moves.length === 0
      ? []
      : await client.searchRead<{
          id: number;
          move_id: unknown;
          lot_id: unknown;
          location_id: unknown;
          quantity: number;
        }>(
          'stock.move.line',
          [
            ['move_id', 'in', moves],
            ['picked', '=', true],
          ],
          ['id', 'move_id', 'lot_id', 'location_id', 'quantity'],
          { order: 'id' },
        );
  const lines = new Map<string, { id: number; quantity: number }>();
  for (const l of lineRows) {
    const k = `${m2oId(l.move_id)}|${m2oId(l.lot_id)}|${m2oId(l.location_id)}`;
    if (!lines.has(k)) lines.set(k, { id: l.id, quantity: Number(l.quantity) });
  }

  const pickings = await client.searchRead<{ id: number; origin: unknown; state: unknown; date_done: unknown }>(
    'stock.picking',
    [['origin', 'ilike', MATERIAL_MARKER]],
    ['id', 'origin', 'state', 'date_done'],
  );
  const mine = pickings.flatMap((p) => {
    const m = typeof p.origin === 'string' ? ORIGIN.exec(p.origin) : null;
    return m === null || m[2] !== plantId ? [] : [{ ...p, key: m[1] as string }];
  });
  const pLines =
    mine.length === 0
      ? []
      : await client.searchRead<{
          picking_id: unknown;
          quantity: number;
          picked: unknown;
          lot_id: unknown;
          location_id: unknown;
          location_dest_id: unknown;
          result_package_id: unknown;
        }>(
          'stock.move.line',
          [['picking_id', 'in', mine.map((p) => p.id)]],
          ['picking_id', 'quantity', 'picked', 'lot_id', 'location_id', 'location_dest_id', 'result_package_id'],
        );
  const name = (v: unknown): string | null => (Array.isArray(v) ? String(v[1]) : null);
  const transfers: TransferInOdoo[] = mine.map((p) => {
    const ls = pLines.filter((l) => m2oId(l.picking_id) === p.id && l.picked !== false);
    return {
      key: p.key,
      id: p.id,
      state: String(p.state),
      quantity: Math.round(ls.reduce((s, l) => s + Number(l.quantity), 0) * 1e6) / 1e6,
      lot: name(ls[0]?.lot_id),
      from: name(ls[0]?.location_id) ?? '?',
      to: name(ls[0]?.location_dest_id) ?? '?',
      package: name(ls[0]?.result_package_id),
      doneAtMs: odooMs(p.date_done),
    };
  });

  // The lots shiftstream created for this plant (their note holds the marker), and the productions
  // they are the producing lot of: every one, for the `extra` of reconcile.
  const markedRows = await client.searchRead<{
    id: number;
    name: unknown;
    product_id: unknown;
    note: unknown;
    create_date: unknown;
  }>(
    'stock.lot',
    [
      ['note', 'ilike', MATERIAL_MARKER],
      ['note', 'ilike', ` on ${plantId}/`],
    ],
    ['id', 'name', 'product_id', 'note', 'create_date'],
    { order: 'id' },
  );
  const markedLots = markedRows.flatMap((l) => {
    const m = typeof l.note === 'string' ? LOT_NOTE.exec(l.note) : null;
    if (m === null || m[2] !== plantId) return [];
    const at = AT.exec(String(l.note));
    return [{ ...l, key: m[1] as string, atMs: at === null ? odooMs(l.create_date) : Date.parse(at[1] as string) }];
  });

  const linked = new Set<string>();
  const lots = new Set<string>();
  const marked: MarkedProducedLot[] = [];
  const moNames = [...options.produced.keys()];
  if (moNames.length > 0 || markedLots.length > 0) {
    const fields = Object.keys(
      (await client.callMethod('mrp.production', 'fields_get', null, { attributes: ['type'] })) as Record<
        string,
        unknown
      >,
    );
    const field = fields.includes('lot_producing_ids') ? 'lot_producing_ids' : 'lot_producing_id';
    const lotIdsOf = (v: unknown): number[] =>
      Array.isArray(v) && typeof v[0] === 'number' && field === 'lot_producing_id'
        ? [v[0]]
        : Array.isArray(v)
          ? (v as unknown[]).filter((x): x is number => typeof x === 'number')
          : typeof v === 'number'
            ? [v]
            : [];
    const mos =
      moNames.length === 0
        ? []
        : await client.searchRead<Record<string, unknown>>(
            'mrp.production',
            [['name', 'in', moNames]],
            ['name', field],
          );
    const ids = mos.flatMap((m) => lotIdsOf(m[field]).map((id) => [String(m['name']), id] as const));
    const lotNames = [...new Set([...options.produced.values()].flat())];
    const lotRows =
      moNames.length === 0
        ? []
        : await client.searchRead<{ id: number; name: unknown; product_id: unknown }>(
            'stock.lot',
            ['|', ['name', 'in', lotNames], ['id', 'in', ids.map(([, id]) => id)]],
            ['id', 'name', 'product_id'],
          );
    const lotName = new Map(lotRows.map((l) => [l.id, String(l.name)]));
    for (const [mo, id] of ids) linked.add(`${mo}|${lotName.get(id) ?? `#${id}`}`);
    const markedMos =
      markedLots.length === 0
        ? []
        : await client.searchRead<Record<string, unknown>>(
            'mrp.production',
            [[field, 'in', markedLots.map((l) => l.id)]],
            ['name', field],
            { order: 'id' },
          );
    const productIds = [...lotRows, ...markedLots].map((l) => m2oId(l.product_id) ?? 0);
    const codes = await client.searchRead<{ id: number; default_code: unknown }>(
      'product.product',
      [['id', 'in', [...new Set(productIds)]]],
      ['id', 'default_code'],
    );
    const code = new Map(codes.map((c) => [c.id, String(c.default_code)]));
    for (const l of lotRows) lots.add(`${code.get(m2oId(l.product_id) ?? 0) ?? '?'}|${String(l.name)}`);
    for (const m of markedMos) {
      const on = new Set(lotIdsOf(m[field]));
      for (const l of markedLots)
        if (on.has(l.id))
          marked.push({
            key: l.key,
            lotId: l.id,
            lot: String(l.name),
            product: code.get(m2oId(l.product_id) ?? 0) ?? '?',
            production: String(m['name']),
            atMs: l.atMs,
          });
    }
  }

  return {
    consumptions: effective.map((n) => ({
      key: n.key,
      productionId: n.productionId,
      lineKey: `${n.moveId}|${n.lotId}|${n.locationId}`,
      qty: n.qty,
      atMs: n.atMs,
    })),
    lines,
    transfers,
    produced: { linked, lots, marked },
  };
}
