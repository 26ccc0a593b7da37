// Order summaries -> Odoo (`post --kind orders`, docs/semantics.md section 11 and docs/odoo.md),
// one share at a time:
//   good count  written to the share's mrp.workorder as `qty_produced` (a plain stored float on 17,
//               18 and 19; 19 refuses negatives and changes on done work orders) as the DIFFERENCE to
//               what earlier revisions of the same (order, shift) posted: Odoo's value is cumulative
//               over shifts, so a revision adds (or takes back) only its change;
//   scrap       created as stock.scrap (product and company of the production, production_id,
//               workorder_id, the topology's scrap reason tag), then action_validate; anything but
//               True (the insufficient-quantity wizard) is not done: with `confirm` the poster runs
//               do_scrap (what the wizard's confirm button does), otherwise the share is refused.
//               A revision that raises the scrap creates a scrap of the difference. A revision that
//               lowers it cannot be posted: a validated scrap cannot be deleted or reduced over the
//               API; the share is confirmed as `scrap-lowered` with a chatter note saying by how much,
//               and `reconcile --kind orders` reports it until someone returns the quantity.
// Time is not posted here: the shift records carry each interval's workorder_id (shifts kind).
//
// Idempotency. Key = hash(plant, work center, shift instance, order). The ledger (Redis,
// `po:<key>`) holds what was posted per share (revision, good, scrap) and, while a quantity write
// is in flight, the intent (before -> after). Before the write, the same intent goes to Odoo as a
// chatter note on the production (`[shiftstream-order:<key>@<rev>] wo <id> good <g> qty_produced
// <before> to <after>`), so a lost ledger is recoverable: the last note of a share is applied when
// the work order holds its `after` or a later note on that work order starts from it. The write
// itself is absolute (`after`), so a retry, a lost response or a replay writes the same value
// again and never adds twice. Scrap needs no ledger: every scrap of a share carries
// `[shiftstream-order-scrap:<key>@<rev>]` in its origin, and what a share scrapped is the sum of
// its marked scraps in Odoo (drafts left by a crash are validated first, a create is preceded by a
// search for its marker).
//
// One poster per plant: two `post --kind orders` processes would race on a work order's
// cumulative quantity (read, add, write).
import { createHash } from 'node:crypto';
import type { OrderSummary } from '../../core/types.js';
import { OdooError, isRetryable } from '../../errors.js';
import type { Codecs } from '../../ports/codecs.js';
import type { KeyValueStore } from '../../ports/key-value.js';
import type { Confirmed, ItemIdentity, ItemPoster, Round } from '../../ports/posting.js';
import type { OdooMappingPlan } from '../../topology/types.js';
import type { OdooClient } from './client.js';
import type { ResolvedTargets } from './productivity-records.js';
import type { BackoffPolicy } from './retry.js';
import { realSleep, withRetry } from './retry.js';
import { jsonLedgerOn, m2oId } from './values.js';

/** The `service` of order dead letters and audit records (the kind's name). */
export const ORDERS_SERVICE = 'orders';
export const ORDER_QTY_MARKER = '[shiftstream-order:';
export const ORDER_SCRAP_MARKER = '[shiftstream-order-scrap:';
export const WORKORDER_MODEL = 'mrp.workorder';
export const SCRAP_MODEL = 'stock.scrap';

/** What to do when action_validate answers with the insufficient-quantity wizard. */
export type InsufficientScrap = 'confirm' | 'refuse';

const hash32 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/** One key per (plant, work center, shift instance, order): all revisions of a share share it. */
export function orderShareKey(s: Pick<OrderSummary, 'plantId' | 'workCenterId' | 'windowId' | 'orderRef'>): string {
  return hash32(JSON.stringify(['order', s.plantId, s.workCenterId, s.windowId, s.orderRef]));
}

export function orderIdentity(s: OrderSummary): ItemIdentity {
  return {
    plantId: s.plantId,
    workCenterId: s.workCenterId,
    key: orderShareKey(s),
    subject: `${s.orderRef ?? '(no order)'} ${s.windowId}@${s.revision}`,
  };
}

export const scrapMarker = (key: string, revision: number): string => `${ORDER_SCRAP_MARKER}${key}@${revision}]`;
export const scrapMarkerPrefix = (key: string): string => `${ORDER_SCRAP_MARKER}${key}@`;

const qty = (x: number): number => Math.round(x * 1e6) / 1e6;
const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;

/** A share's quantities as posted (revision 0: nothing yet). */
export interface PostedShare {
  readonly revision: number;
  readonly good: number;
  readonly scrap: number;
}

/** A quantity write in flight: qty_produced `before` -> `after` for `revision`'s good count. */
export interface QuantityIntent {
  readonly revision: number;
  readonly good: number;
  readonly woId: number;
  readonly before: number;
  readonly after: number;
}

export interface OrdersLedgerEntry {
  readonly posted: PostedShare;
  readonly pending: QuantityIntent | null;
}

export interface OrdersLedger {
  get(key: string): Promise<OrdersLedgerEntry | undefined>;
  put(key: string, entry: OrdersLedgerEntry): Promise<void>;
}

export function ordersLedgerOn(kv: KeyValueStore): OrdersLedger {
  return jsonLedgerOn<OrdersLedgerEntry>(kv, 'po:');
}

/** A quantity note as read back from a production's chatter. */
export interface QuantityNote extends QuantityIntent {
  readonly id: number;
  readonly key: string;
}

const NOTE =
  /\[shiftstream-order:([0-9a-f]{32})@(\d+)\] wo (\d+) good (-?[\d.e+-]+) qty_produced (-?[\d.e+-]+) to (-?[\d.e+-]+)/;

export function parseQuantityNote(id: number, body: unknown): QuantityNote | null {
  if (typeof body !== 'string') return null;
  const m = NOTE.exec(body);
  if (m === null) return null;
  return {
    id,
    key: m[1] as string,
    revision: Number(m[2]),
    woId: Number(m[3]),
    good: Number(m[4]),
    before: Number(m[5]),
    after: Number(m[6]),
  };
}

export function quantityNoteBody(key: string, i: QuantityIntent, s: OrderSummary): string {
  return (
    `${ORDER_QTY_MARKER}${key}@${i.revision}] wo ${i.woId} good ${i.good} qty_produced ${i.before} to ${i.after} ` +
    `(shiftstream: ${s.plantId}/${s.workCenterId} shift ${s.windowId} order ${s.orderRef ?? ''})`
  );
}

/** Whether an intent reached Odoo: the work order holds its `after`, or a later note on it starts from there. */
export function intentApplied(
  intent: QuantityIntent,
  currentQty: number,
  laterNotes: readonly QuantityNote[],
): boolean {
  if (same(currentQty, intent.after)) return true;
  return laterNotes.some((n) => n.woId === intent.woId && same(n.before, intent.after));
}

/**
 * What Odoo's notes (all quantity notes of the production, by id) say was posted for share `key`:
 * its last note if that write reached the work order (which holds `currentQty`), else the one before.
 */
export function postedGoodOf(key: string, notes: readonly QuantityNote[], currentQty: number): PostedShare {
  const mine = notes.filter((n) => n.key === key);
  const last = mine[mine.length - 1];
  if (last === undefined) return { revision: 0, good: 0, scrap: 0 };
  const later = notes.filter((n) => n.id > last.id);
  if (intentApplied(last, currentQty, later)) return { revision: last.revision, good: last.good, scrap: 0 };
  const prev = mine[mine.length - 2];
  return prev === undefined
    ? { revision: 0, good: 0, scrap: 0 }
    : { revision: prev.revision, good: prev.good, scrap: 0 };
}

export interface OrdersPosterOptions {
  readonly client: OdooClient;
  readonly ledger: OrdersLedger;
  readonly mapping: OdooMappingPlan;
  readonly targets: () => Promise<ResolvedTargets>;
  readonly retry: BackoffPolicy;
  readonly insufficientScrap?: InsufficientScrap;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type Outcome = Omit<Confirmed<OrderSummary>, 'item'>;

interface WorkOrder {
  readonly id: number;
  readonly state: string;
  readonly qty: number;
  readonly productionId: number;
}

interface Production {
  readonly id: number;
  readonly productId: number | null;
  readonly companyId: number | null;
}

const skipped = (status: string): Outcome => ({ status, odooModel: null, odooIds: [], created: 0, unlinkedIds: [] });

export interface OrdersHandler {
  /** Posts one share; rejects when retries ran out, throws a permanent OdooError when Odoo refuses. */
  handle(s: OrderSummary): Promise<Outcome>;
}

export function createOrdersHandler(options: OrdersPosterOptions): OrdersHandler {
  const { client, ledger } = options;
  const sleep = options.sleep ?? realSleep;
  const insufficient = options.insufficientScrap ?? 'refuse';
  let reasonTag: Promise<number | null> | undefined;

  function retry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(fn, {
      policy: options.retry,
      sleep,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  const where = (s: OrderSummary): string =>
    `${s.plantId}/${s.workCenterId} shift ${s.windowId} r${s.revision} order ${JSON.stringify(s.orderRef)}`;

  function scrapReasonId(): Promise<number | null> {
    const name = options.mapping.scrapReason;
    if (name === undefined) return Promise.resolve(null);
    reasonTag ??= client.searchRead<{ id: number }>('stock.scrap.reason.tag', [['name', '=', name]], ['id']).then(
      (rows) => {
        if (rows[0] === undefined)
          throw new OdooError(
            'SHIFTSTREAM_ODOO_MASTER_DATA',
            `topology odoo.scrapReason: expected a stock.scrap.reason.tag named ${JSON.stringify(name)}, found none`,
          );
        return rows[0].id;
      },
      (err: unknown) => {
        reasonTag = undefined;
        throw err;
      },
    );
    return reasonTag;
  }

  const WO_FIELDS = ['id', 'state', 'qty_produced', 'production_id', 'workcenter_id'];
  const toWorkOrder = (r: Record<string, unknown>): WorkOrder => ({
    id: r['id'] as number,
    state: String(r['state']),
    qty: Number(r['qty_produced'] ?? 0),
    productionId: m2oId(r['production_id']) ?? 0,
  });

  /** The share's work order: by its id from orders sync, else by production name on the work center. */
  async function workOrder(s: OrderSummary, workcenterId: number): Promise<WorkOrder> {
    if (s.workOrderId !== null) {
      const rows = await client.searchRead(WORKORDER_MODEL, [['id', '=', s.workOrderId]], WO_FIELDS);
      if (rows[0] !== undefined) return toWorkOrder(rows[0]);
    }
    const rows = await client.searchRead(
      WORKORDER_MODEL,
      [
        ['production_id.name', '=', s.orderRef],
        ['workcenter_id', '=', workcenterId],
      ],
      WO_FIELDS,
      { order: 'id' },
    );
    const open = rows.find((r) => r['state'] !== 'done' && r['state'] !== 'cancel') ?? rows[0];
    if (open === undefined)
      throw new OdooError(
        'SHIFTSTREAM_ODOO_MISSING',
        `${where(s)}: expected a mrp.workorder ` +
          `${s.workOrderId === null ? '' : `with id ${s.workOrderId} or `}of production ` +
          `${JSON.stringify(s.orderRef)} on mrp.workcenter ${workcenterId}, found none in Odoo`,
        { details: { orderRef: s.orderRef, workOrderId: s.workOrderId } },
      );
    return toWorkOrder(open);
  }

  async function production(s: OrderSummary, wo: WorkOrder): Promise<Production> {
    const rows = await client.searchRead<{ id: number; product_id: unknown; company_id: unknown }>(
      'mrp.production',
      [['id', '=', wo.productionId]],
      ['id', 'product_id', 'company_id'],
    );
    const row = rows[0];
    if (row === undefined)
      throw new OdooError(
        'SHIFTSTREAM_ODOO_MISSING',
        `${where(s)}: mrp.workorder ${wo.id} names mrp.production ${wo.productionId}, found none`,
      );
    return { id: row.id, productId: m2oId(row.product_id), companyId: m2oId(row.company_id) };
  }

  async function notesOf(productionId: number): Promise<QuantityNote[]> {
    const rows = await client.searchRead<{ id: number; body: unknown }>(
      'mail.message',
      [
        ['model', '=', 'mrp.production'],
        ['res_id', '=', productionId],
        ['body', 'ilike', ORDER_QTY_MARKER],
      ],
      ['id', 'body'],
      { order: 'id' },
    );
    return rows
      .map((r) => parseQuantityNote(r.id, r.body))
      .filter((n): n is QuantityNote => n !== null)
      .sort((a, b) => a.id - b.id);
  }

  const recover = (key: string, notes: readonly QuantityNote[], wo: WorkOrder): PostedShare =>
    postedGoodOf(key, notes, wo.qty);

  async function postNote(productionId: number, key: string, intent: QuantityIntent, s: OrderSummary): Promise<void> {
    const marker =
      `${ORDER_QTY_MARKER}${key}@${intent.revision}] wo ${intent.woId} good ${intent.good} ` +
      `qty_produced ${intent.before} to ${intent.after}`;
    const find = async (): Promise<boolean> =>
      (
        await client.search(
          'mail.message',
          [
            ['model', '=', 'mrp.production'],
            ['res_id', '=', productionId],
            ['body', 'ilike', marker],
          ],
          { limit: 1 },
        )
      ).length > 0;
    // Searched first on every attempt: a redo after a crash or a lost response posts no second note.
    await retry(async () => {
      if (await find()) return;
      await client.callMethod('mrp.production', 'message_post', [productionId], {
        body: quantityNoteBody(key, intent, s),
        message_type: 'comment',
        subtype_xmlid: 'mail.mt_note',
      });
    });
  }

  /** action_validate, then the wizard policy; a retry re-reads the state first (validating twice scraps twice). */
  async function validate(s: OrderSummary, id: number): Promise<void> {
    const state = async (): Promise<string> =>
      String((await client.searchRead(SCRAP_MODEL, [['id', '=', id]], ['state']))[0]?.['state'] ?? '');
    const result = await retry(async (attempt) => {
      if (attempt > 1 && (await state()) === 'done') return true;
      return client.callMethod(SCRAP_MODEL, 'action_validate', [id]);
    });
    if (result === true) return;
    const wizard =
      typeof result === 'object' && result !== null ? String((result as Record<string, unknown>)['res_model']) : '';
    if (insufficient === 'confirm' && wizard === 'stock.warn.insufficient.qty.scrap') {
      const done = await retry(async (attempt) => {
        if (attempt > 1 && (await state()) === 'done') return true;
        return client.callMethod(SCRAP_MODEL, 'do_scrap', [id]);
      });
      if (done === true || (await state()) === 'done') return;
    }
    throw new OdooError(
      'SHIFTSTREAM_ODOO_VALIDATION',
      `${where(s)}: stock.scrap ${id} was not scrapped: action_validate returned ` +
        `${wizard === '' ? JSON.stringify(result) : `the ${wizard} wizard`}` +
        (wizard === 'stock.warn.insufficient.qty.scrap'
          ? ' (the product is not on hand at the scrap source location); put it on hand, or post with ' +
            '--insufficient-scrap confirm (runs do_scrap, as the wizard would), then dlq replay'
          : ''),
      { details: { scrapId: id, result } },
    );
  }

  /** Makes the share's validated scrap equal `s.scrapCount` where it can; returns ids created and the status. */
  async function postScrap(
    s: OrderSummary,
    key: string,
    mo: Production,
    wo: WorkOrder,
    wcCompany: number,
  ): Promise<{ ids: number[]; created: number; lowered: number }> {
    const rows = await client.searchRead<{ id: number; scrap_qty: unknown; state: unknown; origin: unknown }>(
      SCRAP_MODEL,
      [['origin', 'ilike', scrapMarkerPrefix(key)]],
      ['id', 'scrap_qty', 'state', 'origin'],
    );
    for (const r of rows) if (r.state !== 'done') await validate(s, r.id);
    const inOdoo = qty(rows.reduce((n, r) => n + Number(r.scrap_qty ?? 0), 0));
    const delta = qty(s.scrapCount - inOdoo);
    if (delta < 0) return { ids: rows.map((r) => r.id), created: 0, lowered: -delta };
    if (delta === 0) return { ids: rows.map((r) => r.id), created: 0, lowered: 0 };
    if (mo.productId === null)
      throw new OdooError('SHIFTSTREAM_ODOO_VALIDATION', `${where(s)}: mrp.production ${mo.id} has no product_id`);
    const marker = scrapMarker(key, s.revision);
    const reason = await scrapReasonId();
    const vals: Record<string, unknown> = {
      product_id: mo.productId,
      scrap_qty: delta,
      production_id: mo.id,
      workorder_id: wo.id,
      company_id: mo.companyId ?? wcCompany,
      origin: `${marker} ${s.plantId}/${s.workCenterId} ${s.windowId} ${s.orderRef ?? ''}`,
      ...(reason === null ? {} : { scrap_reason_tag_ids: [[6, 0, [reason]]] }),
    };
    const find = async (): Promise<number | undefined> =>
      (await client.search(SCRAP_MODEL, [['origin', 'ilike', marker]], { limit: 1 }))[0];
    let created = 0;
    const id = await retry(async (attempt) => {
      if (attempt > 1) {
        const found = await find();
        if (found !== undefined) return found;
      }
      const [newId] = await client.create(SCRAP_MODEL, [vals]);
      if (newId === undefined)
        throw new OdooError('SHIFTSTREAM_ODOO_PROTOCOL', `odoo ${SCRAP_MODEL}.create: expected one id, found none`);
      created = 1;
      return newId;
    });
    await validate(s, id);
    return { ids: [...rows.map((r) => r.id), id], created, lowered: 0 };
  }

  async function noteLowered(s: OrderSummary, key: string, mo: Production, inOdoo: number): Promise<void> {
    const marker = `[shiftstream-order-scrap-lowered:${key}@${s.revision}]`;
    const found = await client.search(
      'mail.message',
      [
        ['model', '=', 'mrp.production'],
        ['res_id', '=', mo.id],
        ['body', 'ilike', marker],
      ],
      { limit: 1 },
    );
    if (found.length > 0) return;
    await retry(() =>
      client.callMethod('mrp.production', 'message_post', [mo.id], {
        body:
          `${marker} shiftstream: revision ${s.revision} of ${s.workCenterId} shift ${s.windowId} lowers the scrap ` +
          `of ${s.orderRef ?? ''} to ${s.scrapCount}, ${inOdoo} is scrapped; a validated scrap cannot be reduced ` +
          `over the API: return ${qty(inOdoo - s.scrapCount)} from the scrap location by hand`,
        message_type: 'comment',
        subtype_xmlid: 'mail.mt_note',
      }),
    );
  }

  async function handleOnce(s: OrderSummary): Promise<Outcome> {
    if (!s.final) return skipped('not-final');
    if (s.orderRef === null) return skipped('no-order');
    const key = orderShareKey(s);
    const known = await ledger.get(key);
    if (known !== undefined && known.pending === null && known.posted.revision >= s.revision)
      return {
        ...skipped(known.posted.revision > s.revision ? 'superseded' : 'already-posted'),
        odooModel: WORKORDER_MODEL,
      };
    const targets = await options.targets();
    const wc = targets.workCenters.get(s.workCenterId);
    if (wc === undefined)
      throw new OdooError(
        'SHIFTSTREAM_ODOO_MASTER_DATA',
        `${where(s)}: work center ${JSON.stringify(s.workCenterId)} has no resolved mrp.workcenter id`,
      );
    let wo = await workOrder(s, wc.odooId);
    if (wo.state === 'done' || wo.state === 'cancel')
      throw new OdooError(
        'SHIFTSTREAM_ODOO_VALIDATION',
        `${where(s)}: mrp.workorder ${wo.id} is ${wo.state} in Odoo: a closed work order takes no quantities ` +
          '(reopen it, or correct the order in the plant), then dlq replay',
        { details: { workOrderId: wo.id, state: wo.state } },
      );
    const mo = await production(s, wo);

    // What earlier revisions of this share posted: the ledger, its interrupted write resolved; or Odoo's notes.
    let base: PostedShare;
    if (known !== undefined) {
      base = known.posted;
      const p = known.pending;
      if (p !== null) {
        const notes = p.woId === wo.id ? await notesOf(mo.id) : [];
        const mine = notes.find((n) => n.key === key && n.revision === p.revision && same(n.after, p.after));
        const later = mine === undefined ? [] : notes.filter((n) => n.id > mine.id);
        const qtyNow = p.woId === wo.id ? wo.qty : Number.NaN;
        // The note goes out before the write: without it the write never happened.
        if (mine !== undefined && intentApplied(p, qtyNow, later))
          base = { revision: p.revision, good: p.good, scrap: base.scrap };
        else if (mine !== undefined && !same(qtyNow, p.before))
          throw new OdooError(
            'SHIFTSTREAM_ODOO_VALIDATION',
            `${where(s)}: an interrupted write of qty_produced ${p.before} to ${p.after} on mrp.workorder ${p.woId} ` +
              `cannot be resolved: it holds ${qtyNow}; check the work order, then dlq replay`,
          );
      }
    } else {
      base = recover(key, await notesOf(mo.id), wo);
    }
    if (base.revision > s.revision) {
      await ledger.put(key, { posted: base, pending: null });
      return { ...skipped('superseded'), odooModel: WORKORDER_MODEL };
    }

    const delta = qty(s.goodCount - base.good);
    if (delta !== 0) {
      const after = qty(wo.qty + delta);
      if (after < 0)
        throw new OdooError(
          'SHIFTSTREAM_ODOO_VALIDATION',
          `${where(s)}: lowering qty_produced of mrp.workorder ${wo.id} by ${-delta} would make it ${after}; ` +
            `it holds ${wo.qty}`,
        );
      const intent: QuantityIntent = { revision: s.revision, good: s.goodCount, woId: wo.id, before: wo.qty, after };
      await ledger.put(key, { posted: base, pending: intent });
      await postNote(mo.id, key, intent, s);
      await retry(() => client.write(WORKORDER_MODEL, [wo.id], { qty_produced: after }));
      wo = { ...wo, qty: after };
    }
    const scrap = await postScrap(s, key, mo, wo, wc.companyId);
    if (scrap.lowered > 0) await noteLowered(s, key, mo, qty(s.scrapCount + scrap.lowered));
    await ledger.put(key, {
      posted: { revision: s.revision, good: s.goodCount, scrap: qty(s.scrapCount + scrap.lowered) },
      pending: null,
    });
    return {
      status: scrap.lowered > 0 ? 'scrap-lowered' : 'posted',
      odooModel: WORKORDER_MODEL,
      odooIds: [wo.id, ...scrap.ids],
      created: scrap.created,
      unlinkedIds: [],
    };
  }

  return { handle: (s) => handleOnce(s) };
}

/** ItemPoster for order summaries: one share at a time, the highest revision of a share in a batch wins. */
export function createOrdersItemPoster(
  options: OrdersPosterOptions & { readonly codecs: Codecs },
): ItemPoster<OrderSummary> {
  const handler = createOrdersHandler(options);
  const empty: Round<OrderSummary> = { confirmed: [], refused: [] };
  return {
    service: ORDERS_SERVICE,
    prepare: (records) => options.codecs.prepare(records.map((r) => r.value)),
    decode(record) {
      if (record.value === null) return { kind: 'skip' };
      const d = options.codecs.orderSummary.decode(record.value);
      if (!d.ok) return { kind: 'bad', problem: `expected an OrderSummary (Avro), found ${d.reason}: ${d.detail}` };
      return { kind: 'item', item: d.value };
    },
    identify: orderIdentity,
    payload: (s) => ({ summary: null, milestone: null, payload: s as unknown as Record<string, unknown> }),
    revive: (letter) => (letter.payload === null ? null : (letter.payload as unknown as OrderSummary)),
    async post(items) {
      const confirmed: Confirmed<OrderSummary>[] = [];
      const refused: { item: OrderSummary; error: unknown }[] = [];
      const best = new Map<string, OrderSummary>();
      for (const item of items) {
        const k = orderShareKey(item);
        const cur = best.get(k);
        if (cur === undefined || item.revision >= cur.revision) best.set(k, item);
      }
      for (const item of items) {
        if (best.get(orderShareKey(item)) !== item) {
          confirmed.push({ item, ...skipped('superseded') });
          continue;
        }
        try {
          confirmed.push({ item, ...(await handler.handle(item)) });
        } catch (err) {
          if (isRetryable(err) || !(err instanceof OdooError)) throw err;
          refused.push({ item, error: err });
        }
      }
      return { confirmed, refused };
    },
    flush: async () => empty,
    flushIfDue: async () => empty,
  };
}
