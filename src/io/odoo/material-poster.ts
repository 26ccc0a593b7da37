// Material events -> Odoo (`post --kind material`, docs/semantics.md section 13, docs/odoo.md
// "Material"), one event at a time:
//   lot_consumed    a picked stock.move.line (lot, location, quantity) on the production's raw move
//                   of the product, the move marked manual_consumption;
//   lot_produced    the stock.lot (product and company of the production) and the production's
//                   producing lot: lot_producing_id (17, 18) or lot_producing_ids (19);
//   inventory_move  an internal stock.picking with one move and one picked line (the event's package,
//                   found or created by name, as result_package_id, and as package_id when the source
//                   holds the goods in it), validated with skip_backorder and picking_ids_not_to_backorder;
//                   anything button_validate answers but True leaves it not done and the event is
//                   refused with the wizard.
//
// Idempotency. Key = hash of the event's identity (core/material.ts). The Redis ledger
// (`mat:<key>`) holds `pending` before the first write and the result after; Odoo holds a marker
// per event, looked up before every create:
//   consumption  a chatter note on the production, `[shiftstream-material:<key>#<n>] consume move <m>
//                lot <l> location <x> qty <q>`, posted BEFORE the line is written. The line of (move,
//                lot, location) is then written absolutely: its quantity is the sum of the noted
//                quantities of that line. A retry, a lost response or a replay writes the same sum
//                again, never adds. A write Odoo refuses posts `[shiftstream-material-void:<key>#<n>]`,
//                which takes the note out of the sum (a replay notes it again as #n+1);
//   produced lot the lot's name is unique per product and company: it is searched before the create;
//   transfer     the picking's origin starts with `[shiftstream-material:<key>]`.
// One poster per plant: two posters would race on a line's sum.
import { createHash } from 'node:crypto';
import { edgeKey, type GenealogyEdge } from '../../core/genealogy.js';
import { canonicalMaterial, type MaterialEvent, type MaterialPlan } from '../../core/material.js';
import type { MilestoneRecord } from '../../core/milestones.js';
import { isMaterialKind } from '../../core/material.js';
import { OdooError, ShiftstreamError, isRetryable } from '../../errors.js';
import type { Codecs } from '../../ports/codecs.js';
import type { KeyValueStore } from '../../ports/key-value.js';
import type { Confirmed, ItemIdentity, ItemPoster, Round } from '../../ports/posting.js';
import type { OdooClient } from './client.js';
import type { BackoffPolicy } from './retry.js';
import { realSleep, withRetry } from './retry.js';
import { fieldNamesOf, jsonLedgerOn, m2oId, type JsonLedger } from './values.js';

export const MATERIAL_SERVICE = 'material';
export const MATERIAL_MARKER = '[shiftstream-material:';
export const VOID_MARKER = '[shiftstream-material-void:';

/** What to do with a transfer whose source does not hold the quantity (Odoo itself lets quants go negative). */
export type Insufficient = 'refuse' | 'allow';

const hash32 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/** A decoded material milestone and its verdict against the plant's material plan. */
export interface MaterialItem {
  readonly milestone: MilestoneRecord;
  readonly key: string;
  readonly event: MaterialEvent | null;
  /** Why it is rejected (null: it is a complete event). */
  readonly reject: { readonly reason: string; readonly detail: string } | null;
}

export function materialItem(plan: MaterialPlan, m: MilestoneRecord): MaterialItem {
  const v = canonicalMaterial(plan, m);
  if (v.ok) return { milestone: m, key: hash32(v.event.identity), event: v.event, reject: null };
  return { milestone: m, key: hash32(JSON.stringify(m)), event: null, reject: { reason: v.reason, detail: v.detail } };
}

type LedgerEntry =
  | { readonly state: 'pending' }
  | {
      readonly state: 'done';
      readonly status: string;
      readonly model: string;
      readonly ids: readonly number[];
      /** The production of a consumption or produced lot (its genealogy edge). */
      readonly order?: string | null;
    };

export type MaterialLedger = JsonLedger<LedgerEntry>;

export function materialLedgerOn(kv: KeyValueStore): MaterialLedger {
  return jsonLedgerOn<LedgerEntry>(kv, 'mat:');
}

/** A consumption note as read back from a production's chatter. */
export interface ConsumptionNote {
  readonly key: string;
  readonly n: number;
  readonly moveId: number;
  readonly lotId: number;
  readonly locationId: number;
  readonly qty: number;
}

const NOTE =
  /\[shiftstream-material:([0-9a-f]{32})#(\d+)\] consume move (\d+) lot (\d+) location (\d+) qty ([\d.e+-]+)/;
const VOID = /\[shiftstream-material-void:([0-9a-f]{32})#(\d+)\]/;

export function parseConsumptionNote(body: unknown): ConsumptionNote | null {
  const m = typeof body === 'string' ? NOTE.exec(body) : null;
  if (m === null) return null;
  return {
    key: m[1] as string,
    n: Number(m[2]),
    moveId: Number(m[3]),
    lotId: Number(m[4]),
    locationId: Number(m[5]),
    qty: Number(m[6]),
  };
}

/** The notes that count: a note whose (key, n) has a void does not. */
export function effectiveNotes(notes: readonly ConsumptionNote[], voids: ReadonlySet<string>): ConsumptionNote[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const id = `${n.key}#${n.n}`;
    if (voids.has(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const qty = (x: number): number => Math.round(x * 1e6) / 1e6;
const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;

export interface MaterialPosterOptions {
  readonly client: OdooClient;
  readonly ledger: MaterialLedger;
  readonly plan: MaterialPlan;
  /** shiftstream work center id -> mrp.workcenter id (for the running order of an event without one). */
  readonly workCenterId: (workCenterId: string) => Promise<number | undefined>;
  readonly retry: BackoffPolicy;
  readonly insufficient?: Insufficient;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type Outcome = Omit<Confirmed<MaterialItem>, 'item'>;
/** An outcome and the production the event went to (null: none, a transfer). */
export type MaterialOutcome = Outcome & { readonly order: string | null };

interface Production {
  readonly id: number;
  readonly name: string;
  readonly state: string;
  readonly productId: number | null;
  readonly companyId: number | null;
}

interface Product {
  readonly id: number;
  readonly uomId: number | null;
  /** Has quants (17: type 'product'; 18/19: is_storable): only then can a source run short. */
  readonly storable: boolean;
}

interface Location {
  readonly id: number;
  /** Odoo reserves (and so can run short) only in these: stock.location.should_bypass_reservation. */
  readonly holdsStock: boolean;
}

const refusal = (message: string, details: Record<string, unknown> = {}): OdooError =>
  new OdooError('SHIFTSTREAM_ODOO_VALIDATION', message, { details });

const missing = (message: string, details: Record<string, unknown> = {}): OdooError =>
  new OdooError('SHIFTSTREAM_ODOO_MISSING', message, { details });

/** Odoo datetime text (UTC, `YYYY-MM-DD HH:MM:SS`) -> epoch ms. */
const odooMs = (v: unknown): number | null =>
  typeof v === 'string' && v !== '' ? Date.parse(`${v.replace(' ', 'T')}Z`) : null;

/**
 * Odoo's own refusal (a UserError / ValidationError of a write or a button) says which event it was: the
 * event goes in front, Odoo's name and message stay in `details` (the dead letter's odooName/odooMessage).
 */
function odooRefusedWith(where: string, err: unknown): unknown {
  if (!(err instanceof OdooError) || isRetryable(err) || typeof err.details?.['odooName'] !== 'string') return err;
  return new OdooError(err.code, `${where}: Odoo refused it: ${err.message}`, { details: err.details, cause: err });
}

export interface MaterialHandler {
  /** Posts one event; rejects when retries ran out, throws a permanent OdooError when Odoo refuses. */
  handle(e: MaterialEvent, key: string): Promise<MaterialOutcome>;
}

export function createMaterialHandler(options: MaterialPosterOptions): MaterialHandler {
  const { client, ledger } = options;
  const sleep = options.sleep ?? realSleep;
  const insufficient = options.insufficient ?? 'refuse';
  const products = new Map<string, Product>();
  const locations = new Map<string, Location>();
  const moveFields = fieldNamesOf(client, 'stock.move');
  const productFields = fieldNamesOf(client, 'product.product');
  const productionFields = fieldNamesOf(client, 'mrp.production');
  let internalType: Promise<number> | undefined;
  let packageModel: Promise<string> | undefined;
  const packages = new Map<string, number>();

  const retry = <T>(fn: (attempt: number) => Promise<T>): Promise<T> =>
    withRetry(fn, {
      policy: options.retry,
      sleep,
      ...(options.random === undefined ? {} : { random: options.random }),
    });

  const where = (e: MaterialEvent): string =>
    `${e.plantId}/${e.machineId || e.deviceId || '?'} ${e.kind} ${new Date(e.tsMs).toISOString()} ` +
    `${e.product}${e.lot === null ? '' : ` lot ${e.lot}`} x${e.quantity}`;

  async function product(e: MaterialEvent): Promise<Product> {
    const known = products.get(e.odooProduct);
    if (known !== undefined) return known;
    const storableField = (await productFields()).has('is_storable') ? 'is_storable' : 'type';
    const rows = await client.searchRead<{ id: number; uom_id: unknown; is_storable?: unknown; type?: unknown }>(
      'product.product',
      [['default_code', '=', e.odooProduct]],
      ['id', 'uom_id', storableField],
      { limit: 2 },
    );
    const row = rows[0];
    if (row === undefined || rows.length > 1)
      throw new OdooError(
        'SHIFTSTREAM_ODOO_MASTER_DATA',
        `${where(e)}: topology material.products maps ${e.product} to Odoo default_code ` +
          `${JSON.stringify(e.odooProduct)}: expected one product.product, found ` +
          (rows.length === 0 ? 'none' : 'several'),
        { details: { product: e.product, odoo: e.odooProduct } },
      );
    const unitName = Array.isArray(row.uom_id) ? String(row.uom_id[1]) : null;
    if (unitName !== null && unitName !== e.unit)
      throw new OdooError(
        'SHIFTSTREAM_ODOO_MASTER_DATA',
        `${where(e)}: product ${e.odooProduct} is counted in ${JSON.stringify(unitName)} in Odoo, the topology ` +
          `says ${JSON.stringify(e.unit)} (no conversion: fix material.products)`,
        { details: { product: e.product, odooUnit: unitName } },
      );
    const storable = storableField === 'is_storable' ? row.is_storable === true : row.type === 'product';
    const p = { id: row.id, uomId: m2oId(row.uom_id), storable };
    products.set(e.odooProduct, p);
    return p;
  }

  async function locationOf(e: MaterialEvent, name: string): Promise<Location> {
    const known = locations.get(name);
    if (known !== undefined) return known;
    const rows = await client.searchRead<{ id: number; usage: unknown; company_id: unknown }>(
      'stock.location',
      [['complete_name', '=', name]],
      ['id', 'usage', 'company_id'],
      { limit: 2 },
    );
    const row = rows[0];
    if (row === undefined || rows.length > 1)
      throw missing(
        `${where(e)}: topology material.locations names Odoo location ${JSON.stringify(name)}: expected one ` +
          `stock.location with that full name, found ${rows.length === 0 ? 'none' : 'several'}`,
        { location: name },
      );
    // A view location is not refused here: Odoo refuses it itself (stock.quant check_location_id).
    const holdsStock = row.usage === 'internal' || (row.usage === 'transit' && m2oId(row.company_id) !== null);
    const loc = { id: row.id, holdsStock };
    locations.set(name, loc);
    return loc;
  }

  const location = async (e: MaterialEvent, name: string): Promise<number> => (await locationOf(e, name)).id;

  async function lot(e: MaterialEvent, productId: number, companyId: number | null): Promise<number | null> {
    if (e.lot === null) return null;
    const domain: unknown[] = [
      ['name', '=', e.lot],
      ['product_id', '=', productId],
      ...(companyId === null ? [] : [['company_id', 'in', [companyId, false]]]),
    ];
    return (await client.search('stock.lot', domain, { limit: 1 }))[0] ?? null;
  }

  const PROD_FIELDS = ['id', 'name', 'state', 'product_id', 'company_id'];
  const toProduction = (r: Record<string, unknown>): Production => ({
    id: r['id'] as number,
    name: String(r['name']),
    state: String(r['state']),
    productId: m2oId(r['product_id']),
    companyId: m2oId(r['company_id']),
  });

  /** The event's production: the order it names, else the work center's running work order at tsMs (section 11). */
  async function production(e: MaterialEvent): Promise<Production> {
    if (e.orderRef !== null) {
      const rows = await client.searchRead('mrp.production', [['name', '=', e.orderRef]], PROD_FIELDS, { limit: 1 });
      if (rows[0] === undefined)
        throw missing(`${where(e)}: expected the mrp.production ${JSON.stringify(e.orderRef)}, found none in Odoo`, {
          orderRef: e.orderRef,
        });
      return toProduction(rows[0]);
    }
    const wc = await options.workCenterId(e.workCenterId);
    const rows =
      wc === undefined
        ? []
        : await client.searchRead<{ id: number; date_start: unknown; date_finished: unknown; production_id: unknown }>(
            'mrp.workorder',
            [
              ['workcenter_id', '=', wc],
              ['state', '!=', 'cancel'],
            ],
            ['id', 'date_start', 'date_finished', 'production_id'],
          );
    let best: { start: number; id: number; mo: number } | undefined;
    for (const r of rows) {
      const start = odooMs(r.date_start);
      const end = odooMs(r.date_finished);
      const mo = m2oId(r.production_id);
      if (start === null || start > e.tsMs || (end !== null && e.tsMs >= end) || mo === null) continue;
      if (best === undefined || start > best.start || (start === best.start && r.id < best.id))
        best = { start, id: r.id, mo };
    }
    if (best === undefined)
      throw refusal(
        `${where(e)}: the event names no order and no work order of ${e.workCenterId} was running at that instant ` +
          '(docs/semantics.md section 13): name the order in the event, or start the work order in Odoo, ' +
          'then dlq replay',
      );
    const mo = await client.searchRead('mrp.production', [['id', '=', best.mo]], PROD_FIELDS);
    if (mo[0] === undefined) throw missing(`${where(e)}: mrp.production ${best.mo} not found`);
    return toProduction(mo[0]);
  }

  // Our own check, kept because Odoo does NOT refuse (docs/odoo.md "Refusals"): a line created on a done
  // production's component move is posted at once (quants move, mrp maps it into the finished lots'
  // traceability), one on a cancelled move holds its reservation for good, and 17/18 rewrite the
  // finished lines' lot when lot_producing_id is written on a done production.
  function open(e: MaterialEvent, mo: Production): void {
    const odooWould =
      mo.state === 'done'
        ? 'the stock would move at once behind the closed order'
        : 'the line would hold a reservation for good';
    if (mo.state === 'done' || mo.state === 'cancel')
      throw refusal(
        `${where(e)}: mrp.production ${mo.name} is ${mo.state} in Odoo: a closed production takes no material ` +
          `(Odoo would accept it: ${odooWould}; ` +
          'reopen it, or correct the order of the event), then dlq replay',
        { production: mo.name, state: mo.state, check: 'shiftstream' },
      );
    if (mo.state === 'draft')
      throw refusal(`${where(e)}: mrp.production ${mo.name} is draft in Odoo: confirm it, then dlq replay`, {
        production: mo.name,
        state: mo.state,
      });
  }

  async function notesOf(moId: number): Promise<{ notes: ConsumptionNote[]; voids: Set<string> }> {
    const rows = await client.searchRead<{ id: number; body: unknown }>(
      'mail.message',
      [
        ['model', '=', 'mrp.production'],
        ['res_id', '=', moId],
        ['body', 'ilike', '[shiftstream-material'],
      ],
      ['id', 'body'],
      { order: 'id' },
    );
    const notes: ConsumptionNote[] = [];
    const voids = new Set<string>();
    for (const r of rows) {
      const n = parseConsumptionNote(r.body);
      if (n !== null) notes.push(n);
      const v = typeof r.body === 'string' ? VOID.exec(r.body) : null;
      if (v !== null) voids.add(`${v[1]}#${v[2]}`);
    }
    return { notes, voids };
  }

  /** Posts a chatter note once: searched on every attempt (a redo after a lost response posts none). */
  async function noteOnce(moId: number, marker: string, body: string): Promise<void> {
    await retry(async () => {
      const found = await client.search(
        'mail.message',
        [
          ['model', '=', 'mrp.production'],
          ['res_id', '=', moId],
          ['body', 'ilike', marker],
        ],
        { limit: 1 },
      );
      if (found.length > 0) return;
      await client.callMethod('mrp.production', 'message_post', [moId], {
        body,
        message_type: 'comment',
        subtype_xmlid: 'mail.mt_note',
      });
    });
  }

  async function consume(e: MaterialEvent, key: string): Promise<MaterialOutcome> {
    const mo = await retry(() => production(e));
    open(e, mo);
    const p = await retry(() => product(e));
    const moves = await retry(() =>
      client.searchRead<{ id: number; state: unknown; location_id: unknown; location_dest_id: unknown }>(
        'stock.move',
        [
          ['raw_material_production_id', '=', mo.id],
          ['product_id', '=', p.id],
        ],
        ['id', 'state', 'location_id', 'location_dest_id'],
        { order: 'id' },
      ),
    );
    const move = moves.find((m) => m.state !== 'done' && m.state !== 'cancel');
    if (move === undefined)
      throw refusal(
        `${where(e)}: mrp.production ${mo.name} has no open component move of product ${e.odooProduct} ` +
          `(${moves.length} closed): add the component to the production, then dlq replay`,
        { production: mo.name, product: e.odooProduct },
      );
    const lotId = await retry(() => lot(e, p.id, mo.companyId));
    if (lotId === null)
      throw missing(
        `${where(e)}: expected a stock.lot ${JSON.stringify(e.lot)} of product ${e.odooProduct} in Odoo, found none ` +
          '(the consumed lot must exist: receive it first), then dlq replay',
        { lot: e.lot, product: e.odooProduct },
      );
    const locationId = e.odooFrom === null ? m2oId(move.location_id) : await retry(() => location(e, e.odooFrom!));
    const destId = m2oId(move.location_dest_id);
    if (locationId === null || destId === null) throw refusal(`${where(e)}: stock.move ${move.id} has no locations`);

    await ledger.put(key, { state: 'pending' });
    let { notes, voids } = await retry(() => notesOf(mo.id));
    const mine = effectiveNotes(notes, voids).find((n) => n.key === key);
    // The note goes out before the write: the line's quantity is always the sum of its notes.
    let n = mine?.n ?? notes.filter((x) => x.key === key).reduce((m, x) => Math.max(m, x.n + 1), 0);
    if (mine === undefined) {
      const marker = `${MATERIAL_MARKER}${key}#${n}]`;
      await noteOnce(
        mo.id,
        marker,
        `${marker} consume move ${move.id} lot ${lotId} location ${locationId} qty ${e.quantity} ` +
          `(shiftstream: ${e.plantId}/${e.machineId} lot ${e.lot ?? ''} of ${e.product} at ` +
          `${new Date(e.tsMs).toISOString()}${e.reference === null ? '' : ` ref ${e.reference}`})`,
      );
      ({ notes, voids } = await retry(() => notesOf(mo.id)));
    } else n = mine.n;
    const total = qty(
      effectiveNotes(notes, voids)
        .filter((x) => x.moveId === move.id && x.lotId === lotId && x.locationId === locationId)
        .reduce((s, x) => s + x.qty, 0),
    );
    const findLine = async (): Promise<{ id: number; quantity: number } | undefined> =>
      (
        await client.searchRead<{ id: number; quantity: number }>(
          'stock.move.line',
          [
            ['move_id', '=', move.id],
            ['lot_id', '=', lotId],
            ['location_id', '=', locationId],
            ['picked', '=', true],
          ],
          ['id', 'quantity'],
          { order: 'id', limit: 1 },
        )
      )[0];
    let created = 0;
    let lineId: number;
    try {
      lineId = await retry(async () => {
        const line = await findLine();
        if (line !== undefined) {
          if (!same(Number(line.quantity), total))
            await client.write('stock.move.line', [line.id], { quantity: total });
          return line.id;
        }
        const [id] = await client.create('stock.move.line', [
          {
            move_id: move.id,
            product_id: p.id,
            lot_id: lotId,
            location_id: locationId,
            location_dest_id: destId,
            quantity: total,
            picked: true,
            ...(p.uomId === null ? {} : { product_uom_id: p.uomId }),
          },
        ]);
        if (id === undefined)
          throw new OdooError('SHIFTSTREAM_ODOO_PROTOCOL', 'odoo stock.move.line.create: expected one id, found none');
        created = 1;
        return id;
      });
      // Set by the UI when a user types a quantity; over RPC we say it (set_qty_producing leaves it alone).
      // 17 computes it for tracked components already; 18/19 only from the BoM line (source read, docs/odoo.md).
      await retry(() => client.write('stock.move', [move.id], { manual_consumption: true }));
    } catch (err) {
      if (isRetryable(err) || !(err instanceof OdooError)) throw err;
      const marker = `${VOID_MARKER}${key}#${n}]`;
      await noteOnce(mo.id, marker, `${marker} Odoo refused the consumption: ${err.message}`);
      throw err;
    }
    return {
      status: 'posted',
      odooModel: 'stock.move.line',
      odooIds: [lineId],
      created,
      unlinkedIds: [],
      order: mo.name,
    };
  }

  async function produce(e: MaterialEvent, key: string): Promise<MaterialOutcome> {
    const mo = await retry(() => production(e));
    open(e, mo);
    const p = await retry(() => product(e));
    if (mo.productId !== p.id)
      throw refusal(
        `${where(e)}: mrp.production ${mo.name} makes product ${mo.productId}, not ${e.odooProduct}: the produced ` +
          'lot must be of the production product',
        { production: mo.name },
      );
    await ledger.put(key, { state: 'pending' });
    let created = 0;
    const lotId = await retry(async () => {
      const found = await lot(e, p.id, mo.companyId);
      if (found !== null) return found;
      const [id] = await client.create('stock.lot', [
        {
          name: e.lot,
          product_id: p.id,
          ...(mo.companyId === null ? {} : { company_id: mo.companyId }),
          note:
            `<p>${MATERIAL_MARKER}${key}] produced by ${mo.name} on ${e.plantId}/${e.machineId} ` +
            `at ${new Date(e.tsMs).toISOString()}</p>`,
        },
      ]);
      if (id === undefined)
        throw new OdooError('SHIFTSTREAM_ODOO_PROTOCOL', 'odoo stock.lot.create: expected one id, found none');
      created = 1;
      return id;
    });
    const fields = await retry(() => productionFields());
    const many = fields.has('lot_producing_ids');
    const field = many ? 'lot_producing_ids' : 'lot_producing_id';
    const row = (await retry(() => client.searchRead('mrp.production', [['id', '=', mo.id]], [field])))[0] ?? {};
    if (many) {
      const current = Array.isArray(row[field]) ? (row[field] as number[]) : [];
      if (!current.includes(lotId))
        await retry(() => client.write('mrp.production', [mo.id], { lot_producing_ids: [[4, lotId]] }));
    } else {
      const current = m2oId(row[field]);
      // Our check: 17/18 would silently replace the lot (19 refuses a second lot of a lot-tracked product itself).
      if (current !== null && current !== lotId)
        throw refusal(
          `${where(e)}: mrp.production ${mo.name} already produces lot ${JSON.stringify(row[field])}: ` +
            'lot_producing_id holds one lot (split the production, or correct the event), then dlq replay',
          { production: mo.name },
        );
      if (current === null) await retry(() => client.write('mrp.production', [mo.id], { lot_producing_id: lotId }));
    }
    return { status: 'posted', odooModel: 'stock.lot', odooIds: [lotId], created, unlinkedIds: [], order: mo.name };
  }

  function pickingType(e: MaterialEvent): Promise<number> {
    internalType ??= client.search('stock.picking.type', [['code', '=', 'internal']], { limit: 1, order: 'id' }).then(
      (ids) => {
        if (ids[0] === undefined)
          throw new OdooError(
            'SHIFTSTREAM_ODOO_MASTER_DATA',
            `${where(e)}: expected an internal stock.picking.type (code internal), found none`,
          );
        return ids[0];
      },
      (err: unknown) => {
        internalType = undefined;
        throw err;
      },
    );
    return internalType;
  }

  /** The package model of this Odoo: stock.quant.package (17/18) or stock.package (19), from the line's relation. */
  function packageModelOf(): Promise<string> {
    packageModel ??= (
      client.callMethod('stock.move.line', 'fields_get', null, { attributes: ['relation'] }) as Promise<
        Record<string, { relation?: unknown }>
      >
    ).then(
      (f) => {
        const rel = f['result_package_id']?.relation;
        if (typeof rel !== 'string' || rel === '')
          throw new OdooError(
            'SHIFTSTREAM_ODOO_PROTOCOL',
            'odoo stock.move.line.result_package_id: expected a relation',
          );
        return rel;
      },
      (err: unknown) => {
        packageModel = undefined;
        throw err;
      },
    );
    return packageModel;
  }

  /** The package of this name, created when there is none; searched on every attempt (a lost create finds it). */
  async function packageOf(e: MaterialEvent, name: string): Promise<number> {
    const known = packages.get(name);
    if (known !== undefined) return known;
    const model = await retry(() => packageModelOf());
    const id = await retry(async () => {
      const ids = await client.search(model, [['name', '=', name]], { limit: 2 });
      if (ids.length > 1)
        throw refusal(
          `${where(e)}: expected one ${model} named ${JSON.stringify(name)}, found several: rename them in Odoo, ` +
            'then dlq replay',
          { package: name, check: 'shiftstream' },
        );
      if (ids[0] !== undefined) return ids[0];
      const [created] = await client.create(model, [{ name }]);
      if (created === undefined)
        throw new OdooError('SHIFTSTREAM_ODOO_PROTOCOL', `odoo ${model}.create: expected one id, found none`);
      return created;
    });
    packages.set(name, id);
    return id;
  }

  /** Does the source hold this product (lot) in the package? Then the line takes it out of the package. */
  async function packedAt(productId: number, locationId: number, lotId: number | null, pkg: number): Promise<boolean> {
    const ids = await client.search(
      'stock.quant',
      [
        ['product_id', '=', productId],
        ['location_id', 'child_of', locationId],
        ['package_id', '=', pkg],
        ['quantity', '>', 0],
        ...(lotId === null ? [] : [['lot_id', '=', lotId]]),
      ],
      { limit: 1 },
    );
    return ids.length > 0;
  }

  async function available(productId: number, locationId: number, lotId: number | null): Promise<number> {
    const rows = await client.searchRead<{ quantity: number; reserved_quantity: number }>(
      'stock.quant',
      [
        ['product_id', '=', productId],
        ['location_id', 'child_of', locationId],
        ...(lotId === null ? [] : [['lot_id', '=', lotId]]),
      ],
      ['quantity', 'reserved_quantity'],
    );
    return qty(rows.reduce((s, r) => s + Number(r.quantity ?? 0) - Number(r.reserved_quantity ?? 0), 0));
  }

  async function transfer(e: MaterialEvent, key: string): Promise<MaterialOutcome> {
    const p = await retry(() => product(e));
    const source = await retry(() => locationOf(e, e.odooFrom!));
    const from = source.id;
    const to = await retry(() => location(e, e.odooTo!));
    const lotId = await retry(() => lot(e, p.id, null));
    if (e.lot !== null && lotId === null)
      throw missing(`${where(e)}: expected a stock.lot ${JSON.stringify(e.lot)} of ${e.odooProduct}, found none`, {
        lot: e.lot,
      });
    const marker = `${MATERIAL_MARKER}${key}]`;
    const findPicking = async (): Promise<{ id: number; state: string } | undefined> => {
      const rows = await client.searchRead<{ id: number; state: unknown }>(
        'stock.picking',
        [['origin', 'ilike', marker]],
        ['id', 'state'],
        { limit: 1 },
      );
      return rows[0] === undefined ? undefined : { id: rows[0].id, state: String(rows[0].state) };
    };
    let picking = await retry(() => findPicking());
    let created = 0;
    // The event's package is where the goods go (result_package_id), and where they come from
    // (package_id) when the source holds them in it: a whole pallet moved, or goods packed on the way.
    const pkg = e.package === null ? null : await packageOf(e, e.package);
    if (picking === undefined) {
      // Our check, kept because Odoo 17-19 never refuses it: a line's quantity is posted whatever is on hand
      // (stock.quant._update_available_quantity lets the quant go negative). Only where Odoo keeps stock: a
      // storable product leaving an internal location (virtual sources and consumables have no quants).
      if (insufficient === 'refuse' && p.storable && source.holdsStock) {
        const have = await retry(() => available(p.id, from, lotId));
        if (have + 1e-9 < e.quantity)
          throw refusal(
            `${where(e)}: insufficient quantity: ${have} of ${e.odooProduct}${e.lot === null ? '' : ` lot ${e.lot}`} ` +
              `available at ${e.odooFrom}, ${e.quantity} to move (Odoo would accept it and let the quant go ` +
              'negative; post with --insufficient allow to do as Odoo), then dlq replay',
            { available: have, check: 'shiftstream' },
          );
      }
      const type = await retry(() => pickingType(e));
      const named = (await retry(() => moveFields())).has('name');
      await ledger.put(key, { state: 'pending' });
      const vals = {
        picking_type_id: type,
        location_id: from,
        location_dest_id: to,
        origin:
          `${marker} ${e.plantId} ${e.deviceId ?? e.machineId}` + (e.reference === null ? '' : ` ref ${e.reference}`),
        move_ids: [
          [
            0,
            0,
            {
              ...(named ? { name: `${e.product}: ${e.fromLocation} -> ${e.toLocation}` } : {}),
              product_id: p.id,
              product_uom_qty: e.quantity,
              ...(p.uomId === null ? {} : { product_uom: p.uomId }),
              location_id: from,
              location_dest_id: to,
            },
          ],
        ],
      };
      const id = await retry(async (attempt) => {
        if (attempt > 1) {
          const found = await findPicking();
          if (found !== undefined) return found.id;
        }
        const [newId] = await client.create('stock.picking', [vals]);
        if (newId === undefined)
          throw new OdooError('SHIFTSTREAM_ODOO_PROTOCOL', 'odoo stock.picking.create: expected one id, found none');
        created = 1;
        return newId;
      });
      picking = { id, state: 'draft' };
    }
    const pickingId = picking.id;
    const ids = [pickingId];
    if (picking.state === 'done')
      return {
        status: 'already-posted',
        odooModel: 'stock.picking',
        odooIds: ids,
        created,
        unlinkedIds: [],
        order: null,
      };
    if (picking.state === 'cancel')
      throw refusal(`${where(e)}: stock.picking ${pickingId} of this event was cancelled in Odoo`, { pickingId });
    const [move] = await retry(() =>
      client.searchRead<{ id: number }>('stock.move', [['picking_id', '=', pickingId]], ['id'], { order: 'id' }),
    );
    if (move === undefined) throw refusal(`${where(e)}: stock.picking ${pickingId} has no move`);
    await retry(async () => {
      const lines = await client.searchRead<{ id: number; quantity: number }>(
        'stock.move.line',
        [
          ['move_id', '=', move.id],
          ['picked', '=', true],
        ],
        ['id', 'quantity'],
        { order: 'id', limit: 1 },
      );
      const line = lines[0];
      if (line !== undefined) {
        if (!same(Number(line.quantity), e.quantity))
          await client.write('stock.move.line', [line.id], { quantity: e.quantity });
        return;
      }
      const fromPkg = pkg !== null && (await packedAt(p.id, from, lotId, pkg));
      await client.create('stock.move.line', [
        {
          move_id: move.id,
          picking_id: pickingId,
          product_id: p.id,
          location_id: from,
          location_dest_id: to,
          quantity: e.quantity,
          picked: true,
          ...(lotId === null ? {} : { lot_id: lotId }),
          ...(p.uomId === null ? {} : { product_uom_id: p.uomId }),
          ...(pkg === null ? {} : { result_package_id: pkg, ...(fromPkg ? { package_id: pkg } : {}) }),
        },
      ]);
    });
    const state = async (): Promise<string> =>
      String((await client.searchRead('stock.picking', [['id', '=', pickingId]], ['state']))[0]?.['state'] ?? '');
    // Validating twice never moves twice (a done picking is not validated again): the state is re-read first.
    const result = await retry(async (attempt) => {
      if (attempt > 1 && (await state()) === 'done') return true;
      return client.callMethod('stock.picking', 'button_validate', [pickingId], {
        context: { skip_backorder: true, picking_ids_not_to_backorder: [pickingId] },
      });
    });
    if (result !== true && (await retry(() => state())) !== 'done') {
      const wizard =
        typeof result === 'object' && result !== null ? String((result as Record<string, unknown>)['res_model']) : '';
      throw refusal(
        `${where(e)}: stock.picking ${pickingId} was not validated: button_validate returned ` +
          `${wizard === '' ? JSON.stringify(result) : `the ${wizard} wizard`}; ` +
          'finish it in Odoo or cancel it, then dlq replay',
        { pickingId, result },
      );
    }
    return { status: 'posted', odooModel: 'stock.picking', odooIds: ids, created, unlinkedIds: [], order: null };
  }

  const odooRefused = (e: MaterialEvent, err: unknown): unknown => odooRefusedWith(where(e), err);

  return {
    async handle(e, key) {
      const known = await ledger.get(key);
      if (known?.state === 'done')
        return {
          status: 'already-posted',
          odooModel: known.model,
          odooIds: known.ids,
          created: 0,
          unlinkedIds: [],
          order: known.order ?? null,
        };
      const out = await (
        e.kind === 'lot_consumed' ? consume(e, key) : e.kind === 'lot_produced' ? produce(e, key) : transfer(e, key)
      ).catch((err: unknown) => {
        throw odooRefused(e, err);
      });
      await ledger.put(key, {
        state: 'done',
        status: out.status,
        model: out.odooModel ?? '',
        ids: out.odooIds,
        order: out.order,
      });
      return out;
    },
  };
}

export function materialIdentity(item: MaterialItem): ItemIdentity {
  const m = item.milestone;
  return {
    plantId: m.plantId,
    workCenterId: m.workCenterId,
    key: item.key,
    subject:
      `${m.kind} ${m.material?.product ?? item.event?.product ?? '?'}` +
      `${(m.material?.lot ?? null) === null ? '' : ` lot ${m.material?.lot}`} ` +
      `x${m.quantity ?? item.event?.quantity ?? '?'} ` +
      `at ${new Date(m.tsMs).toISOString()}`,
  };
}

/** ItemPoster of material milestones (the milestones topic and the canonical material topic, Milestone Avro). */
export function createMaterialItemPoster(
  options: MaterialPosterOptions & { readonly codecs: Codecs },
): ItemPoster<MaterialItem> {
  const handler = createMaterialHandler(options);
  const empty: Round<MaterialItem> = { confirmed: [], refused: [] };
  const orders = new WeakMap<MaterialItem, string>();
  return {
    service: MATERIAL_SERVICE,
    prepare: (records) => options.codecs.prepare(records.map((r) => r.value)),
    decode(record) {
      if (record.value === null) return { kind: 'skip' };
      const d = options.codecs.milestone.decode(record.value);
      if (!d.ok) return { kind: 'bad', problem: `expected a Milestone (Avro), found ${d.reason}: ${d.detail}` };
      if (!isMaterialKind(d.value.kind)) return { kind: 'skip' };
      return { kind: 'item', item: materialItem(options.plan, d.value) };
    },
    identify: materialIdentity,
    // The item goes to `payload` (the port's rule for kinds after shifts and milestones): the milestone as JSON.
    payload: (item) => ({
      summary: null,
      milestone: null,
      payload: item.milestone as unknown as Record<string, unknown>,
    }),
    revive: (letter) =>
      letter.payload === null ? null : materialItem(options.plan, letter.payload as unknown as MilestoneRecord),
    async post(items) {
      const confirmed: Confirmed<MaterialItem>[] = [];
      const refused: { item: MaterialItem; error: unknown }[] = [];
      for (const item of items) {
        if (item.event === null) {
          const r = item.reject!;
          refused.push({
            item,
            error: new ShiftstreamError('SHIFTSTREAM_MATERIAL_REJECTED', `${r.reason}: ${r.detail}`, {
              details: { reason: r.reason },
            }),
          });
          continue;
        }
        try {
          const { order, ...outcome } = await handler.handle(item.event, item.key);
          if (order !== null) orders.set(item, order);
          confirmed.push({ item, ...outcome });
        } catch (err) {
          if (isRetryable(err) || !(err instanceof OdooError)) throw err;
          refused.push({ item, error: err });
        }
      }
      return { confirmed, refused };
    },
    flush: async () => empty,
    flushIfDue: async () => empty,
    outputs(c) {
      const e = c.item.event;
      const order = orders.get(c.item);
      if (e === null || e.lot === null || order === undefined || e.kind === 'inventory_move') return [];
      const edge: GenealogyEdge = {
        version: 1,
        plantId: e.plantId,
        kind: e.kind === 'lot_consumed' ? 'consumed' : 'produced',
        order,
        product: e.product,
        lot: e.lot,
        atMs: e.tsMs,
      };
      return [{ topic: options.plan.genealogyTopic, key: edgeKey(edge), value: Buffer.from(JSON.stringify(edge)) }];
    },
  };
}
