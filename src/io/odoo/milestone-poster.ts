// Milestones -> Odoo, one at a time (near real time), idempotent and retried:
//   machine_down        create mrp.workcenter.productivity (availability loss for `down/<reason>`
//                       from the topology mapping, no date_end: Odoo shows the work center blocked);
//   machine_up          write date_end on the machine's open records whose down came before it;
//                       both clipped to posted shifts (live-downtime.ts: shift records are
//                       authoritative, a live record never overlaps posted shift time);
//   quantity_completed  with an orderRef: write `<quantityField>` (+quantity) on the work order of
//                       that production (mrp.production.name = orderRef) on this work center;
//   scrap_recorded      with an orderRef: create a draft stock.scrap (product and company of the
//                       production, the work order when there is one) for a person to validate;
//   inspection_passed / inspection_failed (docs/semantics.md section 9.1)
//                       Enterprise Quality (ir.model lists quality.check): a quality.check (team,
//                       test type, measure, production, work order) set by do_pass / do_fail, and a
//                       failed one opens a quality.alert on it; otherwise a chatter note
//                       (message_post) on the production (a failed one without order: on the work
//                       center; a passed one without order is not posted), and a failed one a draft
//                       stock.scrap when the topology's tag says scrapOnFail;
//   quality_hold        an open mrp.workcenter.productivity record of a quality loss (no date_end),
//                       at most one per work center; quality_release closes it. Clipped to posted
//                       shifts like live downtime (section 9.2: shift records are authoritative).
// Other kinds, and quantity/scrap milestones without an order, are confirmed as `skipped`; with
// topology `odoo.quantities: orders` quantity and scrap milestones are confirmed as
// `quantities-from-orders` without a write (post --kind orders posts them from order summaries).
//
// Idempotency. Each milestone has a key (hash of its identity). The ledger (Redis) holds
// `pending` before any Odoo write and `done` after. Every Odoo write carries a marker with the key
// (description, origin or message body), so when the ledger says `pending` (a crash or a lost
// response) the poster searches Odoo for the marker before writing again. The quantity write is
// not a create: the ledger keeps the value it meant to write, and a re-delivery that finds exactly
// that value in Odoo does not add again.
import { createHash } from 'node:crypto';
import type { MilestoneRecord } from '../../core/milestones.js';
import { OdooError, isRetryable } from '../../errors.js';
import type { OdooClient } from './client.js';
import type { ResolvedTargets } from './productivity-records.js';
import { PRODUCTIVITY_MODEL, lossRefFor, odooDatetime, parseOdooDatetime } from './productivity-records.js';
import type { BackoffPolicy } from './retry.js';
import { realSleep, withRetry } from './retry.js';
import type { Codecs } from '../../ports/codecs.js';
import type { OdooMappingPlan } from '../../topology/types.js';
import type { KeyValueStore } from '../../ports/key-value.js';
import type { LiveDowntimeStore, Span } from './live-downtime.js';
import { DOWN_MARKER, clipLive, createLiveDowntime, liveDowntimeStoreOn, overMissing } from './live-downtime.js';
import type { Confirmed, ItemIdentity, ItemPoster, Round } from '../../ports/posting.js';
import { jsonLedgerOn, m2oId } from './values.js';

export { DOWN_MARKER };
export const MACHINE_MARKER = '[shiftstream-machine:';
export const SCRAP_MARKER = '[shiftstream-scrap:';
export const INSPECTION_MARKER = '[shiftstream-inspection:';
export const HOLD_MARKER = '[shiftstream-hold:';

/** Models whose presence means Enterprise Quality (docs/odoo.md; models.json "detection"). */
export const QUALITY_MODELS = ['quality.point', 'quality.check', 'quality.alert'] as const;

function hash32(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export function milestoneKey(m: MilestoneRecord): string {
  return hash32(
    JSON.stringify([
      'milestone',
      m.plantId,
      m.workCenterId,
      m.machineId,
      m.kind,
      m.tsMs,
      m.tag,
      m.orderRef,
      m.quantity,
      // Only inspections that carry one: every other milestone keeps the key it always had.
      ...(m.inspection === undefined ? [] : [m.inspection]),
    ]),
  );
}

/** The work center's quality hold (at most one open): matched by quality_release. */
export function holdKey(plantId: string, workCenterId: string): string {
  return hash32(JSON.stringify(['hold', plantId, workCenterId]));
}

export function machineKey(plantId: string, machineId: string): string {
  return hash32(JSON.stringify(['machine', plantId, machineId]));
}

export function milestoneIdentity(m: MilestoneRecord): ItemIdentity {
  return {
    plantId: m.plantId,
    workCenterId: m.workCenterId,
    key: milestoneKey(m),
    subject: `${m.kind}@${new Date(m.tsMs).toISOString()} ${m.machineId}`,
  };
}

type LedgerState =
  | { readonly state: 'pending'; readonly after?: number }
  | { readonly state: 'done'; readonly status: string; readonly model: string | null; readonly ids: readonly number[] };

export interface MilestoneLedger {
  get(key: string): Promise<LedgerState | undefined>;
  put(key: string, state: LedgerState): Promise<void>;
  clear(key: string): Promise<void>;
  /** Posted shift spans and live flags, shared with the shift poster (see live-downtime.ts). */
  readonly live: LiveDowntimeStore;
}

export function milestoneLedgerOn(kv: KeyValueStore): MilestoneLedger {
  return { ...jsonLedgerOn<LedgerState>(kv, 'ms:'), live: liveDowntimeStoreOn(kv) };
}

export type QuantityField = 'qty_produced' | 'qty_producing';

export interface MilestonePosterOptions {
  readonly client: OdooClient;
  readonly ledger: MilestoneLedger;
  readonly mapping: OdooMappingPlan;
  readonly targets: () => Promise<ResolvedTargets>;
  readonly retry: BackoffPolicy;
  /** mrp.workorder field that quantity_completed adds to (default qty_produced). */
  readonly quantityField?: QuantityField;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Topology `scrapOnFail` of the milestone's inspection tag (null: no scrap). */
  readonly scrapOnFail?: (m: MilestoneRecord) => number | null;
}

type Outcome = Omit<Confirmed<MilestoneRecord>, 'item'>;

const skipped = (status: string): Outcome => ({ status, odooModel: null, odooIds: [], created: 0, unlinkedIds: [] });

const SINCE = / since (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)/;

/** When the down of a live record happened (` since <iso>` in its description), else its date_start. */
function downAtMs(description: unknown, dateStartMs: number): number {
  const m = typeof description === 'string' ? SINCE.exec(description) : null;
  const ms = m === null ? NaN : Date.parse(m[1] as string);
  return Number.isFinite(ms) ? ms : dateStartMs;
}

const escapeHtml = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** What an inspection measured, for notes and checks: `test bore, measure 12.1 mm, limits [11.95, 12.05]`. */
export function inspectionFacts(m: MilestoneRecord): string {
  const i = m.inspection;
  if (i === undefined) return '';
  const parts: string[] = [];
  if (i.test !== null) parts.push(`test ${i.test}`);
  if (i.measure !== null) parts.push(`measure ${i.measure}${i.unit === null ? '' : ` ${i.unit}`}`);
  if (i.limitLow !== null || i.limitHigh !== null)
    parts.push(`limits [${i.limitLow ?? '-inf'}, ${i.limitHigh ?? '+inf'}]${i.unit === null ? '' : ` ${i.unit}`}`);
  if (i.lot !== null) parts.push(`lot ${i.lot}`);
  return parts.length === 0 ? '' : `: ${parts.join(', ')}`;
}

const sameSpans = (a: readonly Span[], b: readonly Span[]): boolean =>
  a.length === b.length && a.every((s, i) => s.startMs === b[i]?.startMs && s.endMs === b[i]?.endMs);

export interface MilestoneHandler {
  /** Posts one milestone; rejects when retries ran out, throws OdooError (permanent) when Odoo refuses. */
  handle(m: MilestoneRecord): Promise<Outcome>;
}

export function createMilestoneHandler(options: MilestonePosterOptions): MilestoneHandler {
  const { client, ledger } = options;
  const sleep = options.sleep ?? realSleep;
  const quantityField = options.quantityField ?? 'qty_produced';
  const live = createLiveDowntime({
    client,
    store: ledger.live,
    targets: options.targets,
    retry: options.retry,
    sleep,
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  let quality: Promise<boolean> | undefined;
  const teams = new Map<number | false, Promise<number>>();
  const testTypes = new Map<string, Promise<number | null>>();
  let qualityLoss: Promise<number> | undefined;

  function retry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(fn, {
      policy: options.retry,
      sleep,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  /** Cached until it fails retryably; a failed read is tried again on the next milestone. */
  function cached<K, V>(map: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let p = map.get(key);
    if (p === undefined) {
      p = load();
      map.set(key, p);
      p.catch(() => map.delete(key));
    }
    return p;
  }

  /**
   * Enterprise Quality installed? models.json "detection": search_read ir.model for the quality
   * models; absent rows mean the module is not installed. quality.check and quality.alert both needed.
   */
  function hasQuality(): Promise<boolean> {
    quality ??= client
      .searchRead<{ model: string }>('ir.model', [['model', 'in', [...QUALITY_MODELS]]], ['model', 'modules'])
      .then(
        (rows) => {
          const found = new Set(rows.map((r) => r.model));
          return found.has('quality.check') && found.has('quality.alert');
        },
        (err: unknown) => {
          if (isRetryable(err)) {
            quality = undefined;
            throw err;
          }
          return false; // ir.model not readable for this user: assume no Quality
        },
      );
    return quality;
  }

  /** The quality team for a company: Odoo's default is the company's or a company-less one, by sequence. */
  function qualityTeam(companyId: number | null, where: string): Promise<number> {
    const company = companyId ?? false;
    return cached(teams, company, async () => {
      const ids = await client.search(
        'quality.alert.team',
        [['company_id', 'in', company === false ? [false] : [company, false]]],
        { order: 'sequence, id', limit: 1 },
      );
      if (ids[0] === undefined)
        throw new OdooError(
          'SHIFTSTREAM_ODOO_MASTER_DATA',
          `${where}: expected a quality.alert.team for company ${String(company)} (quality.check and ` +
            `quality.alert require team_id), found none; create one under Quality > Configuration`,
        );
      return ids[0];
    });
  }

  /** quality.point.test_type by technical name (passfail, measure), null when not installed. */
  function testType(technical: string): Promise<number | null> {
    return cached(testTypes, technical, async () => {
      const ids = await client.search('quality.point.test_type', [['technical_name', '=', technical]], { limit: 1 });
      return ids[0] ?? null;
    });
  }

  /** The loss of a quality hold: the first loss with loss_type quality (Odoo seeds mrp.block_reason5). */
  function holdLoss(where: string): Promise<number> {
    qualityLoss ??= client
      .search('mrp.workcenter.productivity.loss', [['loss_type', '=', 'quality']], { order: 'sequence, id', limit: 1 })
      .then((ids) => {
        if (ids[0] === undefined)
          throw new OdooError(
            'SHIFTSTREAM_ODOO_MASTER_DATA',
            `${where}: expected an mrp.workcenter.productivity.loss with loss_type 'quality' ` +
              `(Odoo seeds mrp.block_reason5 'Process Defect'), found none`,
          );
        return ids[0];
      });
    qualityLoss.catch(() => (qualityLoss = undefined));
    return qualityLoss;
  }

  /** Create with a marker: before a retry (unknown outcome) look for the marker first. */
  async function createOnce(
    model: string,
    vals: Record<string, unknown>,
    markerField: string,
    marker: string,
    pending: boolean,
  ): Promise<{ id: number; created: number }> {
    const find = async (): Promise<number | undefined> =>
      (await client.search(model, [[markerField, 'ilike', marker]], { limit: 1 }))[0];
    if (pending) {
      const found = await find();
      if (found !== undefined) return { id: found, created: 0 };
    }
    return retry(async (attempt) => {
      if (attempt > 1) {
        const found = await find();
        if (found !== undefined) return { id: found, created: 0 };
      }
      const [id] = await client.create(model, [vals]);
      if (id === undefined)
        throw new OdooError('SHIFTSTREAM_ODOO_PROTOCOL', `odoo ${model}.create: expected one id, found none`);
      return { id, created: 1 };
    });
  }

  async function production(
    m: MilestoneRecord,
  ): Promise<{ id: number; productId: number | null; companyId: number | null }> {
    const rows = await client.searchRead<{ id: number; product_id: unknown; company_id: unknown }>(
      'mrp.production',
      [['name', '=', m.orderRef]],
      ['id', 'product_id', 'company_id'],
      { limit: 1 },
    );
    const row = rows[0];
    if (row === undefined) {
      throw new OdooError(
        'SHIFTSTREAM_ODOO_MISSING',
        `odoo mrp.production: milestone ${m.kind} of ${m.plantId}/${m.machineId} ` +
          `at ${new Date(m.tsMs).toISOString()} names order ` +
          `${JSON.stringify(m.orderRef)}, expected a production with that name, found none`,
        { details: { orderRef: m.orderRef } },
      );
    }
    return { id: row.id, productId: m2oId(row.product_id), companyId: m2oId(row.company_id) };
  }

  async function workOrder(m: MilestoneRecord, workcenterId: number): Promise<{ id: number; qty: number } | undefined> {
    const rows = await client.searchRead<{ id: number; state: unknown; [k: string]: unknown }>(
      'mrp.workorder',
      [
        ['production_id.name', '=', m.orderRef],
        ['workcenter_id', '=', workcenterId],
      ],
      ['id', 'state', quantityField],
    );
    const open = rows.find((r) => r.state !== 'done' && r.state !== 'cancel') ?? rows[0];
    return open === undefined ? undefined : { id: open.id, qty: Number(open[quantityField] ?? 0) };
  }

  /**
   * machine_up: closes this machine's open records whose down came at or before the up (a
   * re-delivered up never closes a later down; a record a posted shift moved past the up still
   * counts by its down's time). Closed records are clipped to posted shifts: one that would end
   * inside posted time is removed, one that overlaps it starts after it. One pass; a retry searches again.
   */
  async function closeUp(
    m: MilestoneRecord,
    marker = `${MACHINE_MARKER}${machineKey(m.plantId, m.machineId)}]`,
  ): Promise<{ closedIds: number[]; removedIds: number[] }> {
    const upMs = Math.floor(m.tsMs / 1000) * 1000;
    const rows = await client.searchRead<{ id: number; date_start: unknown; description: unknown }>(
      PRODUCTIVITY_MODEL,
      [
        ['description', 'ilike', marker],
        ['date_end', '=', false],
      ],
      ['id', 'date_start', 'description'],
    );
    const open = rows.flatMap((row) => {
      if (typeof row.date_start !== 'string') return [];
      const startMs = parseOdooDatetime(row.date_start);
      return downAtMs(row.description, startMs) <= m.tsMs ? [{ id: row.id, startMs }] : [];
    });
    if (open.length === 0) return { closedIds: [], removedIds: [] };
    const fromMs = Math.min(...open.map((o) => o.startMs));
    const before = await ledger.live.coverage(m.workCenterId, fromMs);
    const removedIds: number[] = [];
    const plain: number[] = [];
    const moved: { id: number; startMs: number }[] = [];
    for (const o of open) {
      const clip = clipLive(o.startMs, upMs, before);
      if (clip.action === 'remove') removedIds.push(o.id);
      else if (clip.action === 'move') moved.push({ id: o.id, startMs: clip.startMs });
      else plain.push(o.id);
    }
    const end = odooDatetime(upMs);
    if (removedIds.length > 0) await client.unlink(PRODUCTIVITY_MODEL, removedIds);
    if (plain.length > 0) await client.write(PRODUCTIVITY_MODEL, plain, { date_end: end });
    for (const mv of moved)
      await client.write(PRODUCTIVITY_MODEL, [mv.id], { date_start: odooDatetime(mv.startMs), date_end: end });
    // A shift confirmed while this ran (its clip may have raced with these writes): clip again.
    if (!sameSpans(before, await ledger.live.coverage(m.workCenterId, fromMs)))
      await live.settle([m.workCenterId], fromMs, null);
    return { closedIds: [...plain, ...moved.map((mv) => mv.id)], removedIds };
  }

  type Production = Awaited<ReturnType<typeof production>>;
  type WorkCenter = { readonly odooId: number; readonly companyId: number };

  /** A draft stock.scrap of the production's product (marker in origin), for a person to validate. */
  async function draftScrap(
    m: MilestoneRecord,
    key: string,
    pending: boolean,
    wc: WorkCenter,
    mo: Production,
    qty: number,
    where: string,
  ): Promise<{ id: number; created: number }> {
    if (mo.productId === null)
      throw new OdooError(
        'SHIFTSTREAM_ODOO_VALIDATION',
        `${where}: production ${JSON.stringify(m.orderRef)} (mrp.production ${mo.id}) has no product_id`,
      );
    const wo = await workOrder(m, wc.odooId);
    const marker = `${SCRAP_MARKER}${key}]`;
    const vals: Record<string, unknown> = {
      product_id: mo.productId,
      scrap_qty: qty,
      production_id: mo.id,
      company_id: mo.companyId ?? wc.companyId,
      origin: `${marker} ${m.plantId}/${m.workCenterId} ${m.machineId} ${new Date(m.tsMs).toISOString()}`,
      ...(wo === undefined ? {} : { workorder_id: wo.id }),
    };
    return createOnce('stock.scrap', vals, 'origin', marker, pending);
  }

  /** message_post once (marker in the body): a retry or re-delivery finds the note first. */
  async function noteOnce(
    model: string,
    resId: number,
    text: string,
    marker: string,
    pending: boolean,
  ): Promise<{ id: number; created: number }> {
    const find = async (): Promise<number | undefined> =>
      (
        await client.search(
          'mail.message',
          [
            ['model', '=', model],
            ['res_id', '=', resId],
            ['body', 'ilike', marker],
          ],
          { limit: 1 },
        )
      )[0];
    const found = pending ? await find() : undefined;
    if (found !== undefined) return { id: found, created: 0 };
    let created = 0;
    const id = await retry(async (attempt) => {
      if (attempt > 1) {
        const again = await find();
        if (again !== undefined) return again;
      }
      created = 1;
      const r = await client.callMethod(model, 'message_post', [resId], {
        body: escapeHtml(text),
        message_type: 'comment',
        subtype_xmlid: 'mail.mt_note',
      });
      return typeof r === 'number' ? r : Array.isArray(r) && typeof r[0] === 'number' ? r[0] : 0;
    });
    return { id, created };
  }

  /** inspection_passed / inspection_failed (docs/semantics.md 9.1, docs/odoo.md). */
  async function inspect(
    m: MilestoneRecord,
    key: string,
    pending: boolean,
    wc: WorkCenter,
    where: string,
  ): Promise<Outcome> {
    const passed = m.kind === 'inspection_passed';
    const marker = `${INSPECTION_MARKER}${key}]`;
    const text =
      `${marker} Inspection ${passed ? 'passed' : 'failed'} on ${m.plantId}/${m.workCenterId} ` +
      `(machine ${m.machineId}) at ${new Date(m.tsMs).toISOString()}` +
      `${m.orderRef === null ? '' : `, order ${m.orderRef}`}${m.tag === null ? '' : `, tag ${m.tag}`}` +
      inspectionFacts(m);
    const mo = m.orderRef === null ? undefined : await production(m);
    const enterprise = await hasQuality();
    if (!enterprise && passed && mo === undefined) return skipped('no-order');
    if (!pending) await ledger.put(key, { state: 'pending' });
    if (enterprise) {
      const i = m.inspection;
      const companyId = mo?.companyId ?? wc.companyId;
      const team = await qualityTeam(companyId, where);
      const type = await testType(i !== undefined && i.measure !== null ? 'measure' : 'passfail');
      const wo = mo === undefined ? undefined : await workOrder(m, wc.odooId);
      const links: Record<string, unknown> = {
        ...(mo === undefined ? {} : { production_id: mo.id }),
        ...(mo?.productId == null ? {} : { product_id: mo.productId }),
        ...(wo === undefined ? {} : { workorder_id: wo.id }),
      };
      const check = await createOnce(
        'quality.check',
        {
          company_id: companyId,
          team_id: team,
          title: i?.test ?? `Inspection ${m.machineId}`,
          additional_note: text,
          ...(type === null ? {} : { test_type_id: type }),
          ...(i === undefined || i.measure === null ? {} : { measure: i.measure }),
          ...links,
        },
        'additional_note',
        marker,
        pending,
      );
      // Idempotent: pass/fail again sets the same state (quality.py do_pass / do_fail).
      await retry(() => client.callMethod('quality.check', passed ? 'do_pass' : 'do_fail', [check.id]));
      if (passed)
        return {
          status: 'passed',
          odooModel: 'quality.check',
          odooIds: [check.id],
          created: check.created,
          unlinkedIds: [],
        };
      const alert = await createOnce(
        'quality.alert',
        {
          name: `Inspection failed: ${i?.test ?? 'inspection'} on ${m.machineId}`,
          description: escapeHtml(text),
          company_id: companyId,
          team_id: team,
          check_id: check.id,
          workcenter_id: wc.odooId,
          ...links,
        },
        'description',
        marker,
        pending || check.created === 0,
      );
      return {
        status: 'failed',
        odooModel: 'quality.check',
        // The check, then the alert it opened.
        odooIds: [check.id, alert.id],
        created: check.created + alert.created,
        unlinkedIds: [],
      };
    }
    const model = mo === undefined ? 'mrp.workcenter' : 'mrp.production';
    const note = await noteOnce(model, mo === undefined ? wc.odooId : mo.id, text, marker, pending);
    const scrapQty = passed ? null : (options.scrapOnFail?.(m) ?? null);
    if (scrapQty !== null && mo !== undefined && options.mapping.quantities !== 'orders') {
      const scrap = await draftScrap(m, key, pending, wc, mo, scrapQty, where);
      return {
        status: 'failed+scrap',
        odooModel: 'mail.message',
        // The note, then the draft scrap (stock.scrap).
        odooIds: [...(note.id === 0 ? [] : [note.id]), scrap.id],
        created: note.created + scrap.created,
        unlinkedIds: [],
      };
    }
    return {
      status: 'posted',
      odooModel: 'mail.message',
      odooIds: note.id === 0 ? [] : [note.id],
      created: note.created,
      unlinkedIds: [],
    };
  }

  /**
   * quality_hold: an open productivity record of a quality loss, at most one per work center, clipped
   * to posted shifts like a machine_down (live-downtime.ts); its DOWN_MARKER lets the shift side clip it.
   */
  async function hold(
    m: MilestoneRecord,
    key: string,
    pending: boolean,
    wc: WorkCenter,
    where: string,
  ): Promise<Outcome> {
    const holdMarker = `${HOLD_MARKER}${holdKey(m.plantId, m.workCenterId)}]`;
    const marker = `${DOWN_MARKER}${key}]`;
    const open = await client.searchRead<{ id: number; description: unknown }>(
      PRODUCTIVITY_MODEL,
      [
        ['description', 'ilike', holdMarker],
        ['date_end', '=', false],
      ],
      ['id', 'description'],
    );
    const own = open.find((r) => typeof r.description === 'string' && r.description.includes(marker));
    if (own !== undefined)
      return { status: 'held', odooModel: PRODUCTIVITY_MODEL, odooIds: [own.id], created: 0, unlinkedIds: [] };
    if (open.length > 0)
      return { ...skipped('already-held'), odooModel: PRODUCTIVITY_MODEL, odooIds: open.map((r) => r.id) };
    const lossId = await holdLoss(where);
    if (!pending) await ledger.put(key, { state: 'pending' });
    await ledger.live.markLive(m.workCenterId);
    const before = await ledger.live.coverage(m.workCenterId, m.tsMs);
    const clip = clipLive(Math.floor(m.tsMs / 1000) * 1000, null, before);
    const startMs = clip.action === 'move' ? clip.startMs : m.tsMs;
    const description =
      `${marker} ${holdMarker} ${m.plantId}/${m.workCenterId} quality hold` +
      `${m.reason === null ? '' : ` (${m.reason})`}${m.orderRef === null ? '' : `, order ${m.orderRef}`}` +
      ` since ${new Date(m.tsMs).toISOString()}` +
      (startMs === m.tsMs
        ? ''
        : ` (live from ${new Date(startMs).toISOString()}: the time before is in posted shift records)`);
    const r = await createOnce(
      PRODUCTIVITY_MODEL,
      {
        workcenter_id: wc.odooId,
        loss_id: lossId,
        date_start: odooDatetime(startMs),
        description,
        company_id: wc.companyId,
      },
      'description',
      marker,
      pending,
    );
    const after = await ledger.live.coverage(m.workCenterId, m.tsMs);
    if (!sameSpans(before, after) || (r.created === 0 && after.length > 0))
      await live.settle([m.workCenterId], m.tsMs, null);
    return { status: 'held', odooModel: PRODUCTIVITY_MODEL, odooIds: [r.id], created: r.created, unlinkedIds: [] };
  }

  async function handleOnce(m: MilestoneRecord): Promise<Outcome> {
    const key = milestoneKey(m);
    const known = await ledger.get(key);
    if (known?.state === 'done')
      return { status: 'already-posted', odooModel: known.model, odooIds: known.ids, created: 0, unlinkedIds: [] };
    const pending = known?.state === 'pending';
    const targets = await options.targets();
    const wc = targets.workCenters.get(m.workCenterId);
    const where =
      `${m.plantId}/${m.workCenterId} machine ${m.machineId} ${m.kind} at ` + `${new Date(m.tsMs).toISOString()}`;
    if (wc === undefined)
      throw new OdooError(
        'SHIFTSTREAM_ODOO_MASTER_DATA',
        `${where}: work center ${JSON.stringify(m.workCenterId)} has no resolved mrp.workcenter id`,
      );
    const done = async (o: Outcome): Promise<Outcome> => {
      await ledger.put(key, { state: 'done', status: o.status, model: o.odooModel, ids: o.odooIds });
      return o;
    };

    switch (m.kind) {
      case 'machine_down': {
        const lossKey = `down/${m.reason ?? 'unspecified'}`;
        const ref = lossRefFor(lossKey, options.mapping);
        const lossId = ref === undefined ? undefined : targets.losses.get(ref);
        if (lossId === undefined)
          throw new OdooError(
            'SHIFTSTREAM_ODOO_MASTER_DATA',
            `${where}: the loss mapping has no resolved loss for ${JSON.stringify(lossKey)} nor "down"`,
          );
        const marker = `${DOWN_MARKER}${key}]`;
        if (!pending) await ledger.put(key, { state: 'pending' });
        // Flag first: from now on a shift poster confirming this work center looks for its live records.
        await ledger.live.markLive(m.workCenterId);
        // A late down inside a posted shift starts at that shift's end (shift records are authoritative).
        const before = await ledger.live.coverage(m.workCenterId, m.tsMs);
        const clip = clipLive(Math.floor(m.tsMs / 1000) * 1000, null, before);
        const startMs = clip.action === 'move' ? clip.startMs : m.tsMs;
        const since = new Date(m.tsMs).toISOString();
        const note =
          startMs === m.tsMs
            ? ''
            : ` (live from ${new Date(startMs).toISOString()}: the time before is in posted shift records)`;
        const description =
          `${marker} ${MACHINE_MARKER}${machineKey(m.plantId, m.machineId)}] ${m.plantId}/${m.workCenterId} ` +
          `${m.machineId} down ${m.reason ?? 'unspecified'} since ${since}${note}`;
        const r = await createOnce(
          PRODUCTIVITY_MODEL,
          {
            workcenter_id: wc.odooId,
            loss_id: lossId,
            date_start: odooDatetime(startMs),
            description,
            company_id: wc.companyId,
          },
          'description',
          marker,
          pending,
        );
        // A shift confirmed meanwhile (or before a crash that left this record from an earlier attempt): clip again.
        const after = await ledger.live.coverage(m.workCenterId, m.tsMs);
        if (!sameSpans(before, after) || (r.created === 0 && after.length > 0))
          await live.settle([m.workCenterId], m.tsMs, null);
        return done({
          status: 'opened',
          odooModel: PRODUCTIVITY_MODEL,
          odooIds: [r.id],
          created: r.created,
          unlinkedIds: [],
        });
      }
      case 'machine_up': {
        const r = await retry(() => overMissing(() => closeUp(m)));
        if (r.closedIds.length + r.removedIds.length === 0)
          return done({ ...skipped('nothing-open'), odooModel: PRODUCTIVITY_MODEL });
        return done({
          status: 'closed',
          odooModel: PRODUCTIVITY_MODEL,
          odooIds: r.closedIds,
          created: 0,
          unlinkedIds: r.removedIds,
        });
      }
      case 'quantity_completed': {
        // Topology odoo.quantities: orders: post --kind orders writes quantities, never both (section 11).
        if (options.mapping.quantities === 'orders') return done(skipped('quantities-from-orders'));
        if (m.orderRef === null || m.quantity === null) return done(skipped('no-order'));
        const wo = await workOrder(m, wc.odooId);
        if (wo === undefined) {
          throw new OdooError(
            'SHIFTSTREAM_ODOO_MISSING',
            `${where}: expected a mrp.workorder of production ` +
              `${JSON.stringify(m.orderRef)} on mrp.workcenter ${wc.odooId}, found none`,
            { details: { orderRef: m.orderRef } },
          );
        }
        if (known?.state === 'pending' && known.after !== undefined && Math.abs(wo.qty - known.after) < 1e-9) {
          return done({ status: 'posted', odooModel: 'mrp.workorder', odooIds: [wo.id], created: 0, unlinkedIds: [] });
        }
        const after = wo.qty + m.quantity;
        await ledger.put(key, { state: 'pending', after });
        await retry(() => client.write('mrp.workorder', [wo.id], { [quantityField]: after }));
        return done({ status: 'posted', odooModel: 'mrp.workorder', odooIds: [wo.id], created: 0, unlinkedIds: [] });
      }
      case 'scrap_recorded': {
        if (options.mapping.quantities === 'orders') return done(skipped('quantities-from-orders'));
        if (m.orderRef === null) return done(skipped('no-order'));
        const mo = await production(m);
        if (!pending) await ledger.put(key, { state: 'pending' });
        const r = await draftScrap(m, key, pending, wc, mo, m.quantity ?? 1, where);
        return done({
          status: 'posted',
          odooModel: 'stock.scrap',
          odooIds: [r.id],
          created: r.created,
          unlinkedIds: [],
        });
      }
      case 'inspection_passed':
      case 'inspection_failed':
        return done(await inspect(m, key, pending, wc, where));
      case 'quality_hold':
        return done(await hold(m, key, pending, wc, where));
      case 'quality_release': {
        const marker = `${HOLD_MARKER}${holdKey(m.plantId, m.workCenterId)}]`;
        const r = await retry(() => overMissing(() => closeUp(m, marker)));
        if (r.closedIds.length + r.removedIds.length === 0)
          return done({ ...skipped('nothing-held'), odooModel: PRODUCTIVITY_MODEL });
        return done({
          status: 'released',
          odooModel: PRODUCTIVITY_MODEL,
          odooIds: r.closedIds,
          created: 0,
          unlinkedIds: r.removedIds,
        });
      }
      default:
        return done(skipped('not-posted'));
    }
  }

  return {
    async handle(m) {
      try {
        return await handleOnce(m);
      } catch (err) {
        // Odoo refused for good and rolled back: forget the pending mark so a replay starts clean.
        if (err instanceof OdooError && !isRetryable(err)) await ledger.clear(milestoneKey(m));
        throw err;
      }
    },
  };
}

/** The `service` of milestone dead letters and audit records (kind `milestones`; older than the kinds). */
export const MILESTONE_SERVICE = 'milestone';

/** ItemPoster for milestones: each one is posted at once (no batching: near real time). */
export function createMilestoneItemPoster(
  options: MilestonePosterOptions & { readonly codecs: Codecs },
): ItemPoster<MilestoneRecord> {
  const handler = createMilestoneHandler(options);
  const empty: Round<MilestoneRecord> = { confirmed: [], refused: [] };
  return {
    service: MILESTONE_SERVICE,
    prepare: (records) => options.codecs.prepare(records.map((r) => r.value)),
    decode(record) {
      if (record.value === null) return { kind: 'skip' };
      const d = options.codecs.milestone.decode(record.value);
      if (!d.ok) return { kind: 'bad', problem: `expected a Milestone (Avro), found ${d.reason}: ${d.detail}` };
      return { kind: 'item', item: d.value };
    },
    identify: milestoneIdentity,
    payload: (m) => ({ summary: null, milestone: m, payload: null }),
    revive: (letter) => letter.milestone,
    async post(items) {
      const confirmed: Confirmed<MilestoneRecord>[] = [];
      const refused: { item: MilestoneRecord; error: unknown }[] = [];
      for (const item of items) {
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
