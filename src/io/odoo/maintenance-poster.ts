// Maintenance requests from downtime (docs/semantics.md section 12, docs/odoo.md "Maintenance
// requests"): each final shift summary is evaluated against the topology's maintenance rules
// (core/maintenance-rules.ts); a rule that fires opens one corrective maintenance.request on its
// equipment, with the facts (when, reason, total down time, the shift, the orders running).
//
// Idempotency. A request's key is a hash of (plant, rule, equipment, shift): revisions of a shift
// share it, so a correction never opens a second request. The Redis ledger (`mnt:<key>`) holds
// `pending` before the create and `done` after; the request's description carries the marker
// `[shiftstream-maintenance:<key>]`, so a lost ledger or a lost response is recovered by a search
// before any create. A later revision that still fires rewrites the facts on the same request
// (`updated`); one that no longer fires leaves the request alone and is audited `below-threshold`.
//
// Cooldown. The description also carries `[shiftstream-maintenance-rule:<rule key> at=<iso>]`, the
// instant the threshold was crossed. A trigger of the same rule and equipment closer than the
// cooldown to an existing request's instant opens nothing (`cooldown`). It is read from Odoo, so it
// holds across restarts, replays and several posters.
import { createHash } from 'node:crypto';
import {
  describeThreshold,
  evaluateMaintenanceRules,
  type MaintenancePlan,
  type MaintenanceRulePlan,
  type MaintenanceTrigger,
} from '../../core/maintenance-rules.js';
import { createTimeZone, type TimeZone } from '../../core/time-zone.js';
import type { WindowSummary } from '../../core/types.js';
import { OdooError, isRetryable } from '../../errors.js';
import type { Codecs } from '../../ports/codecs.js';
import type { KeyValueStore } from '../../ports/key-value.js';
import type { Confirmed, ItemIdentity, ItemPoster, Round } from '../../ports/posting.js';
import type { OdooClient } from './client.js';
import type { BackoffPolicy } from './retry.js';
import { realSleep, withRetry } from './retry.js';
import { fieldNamesOf, jsonLedgerOn, m2oId } from './values.js';

export const MAINTENANCE_SERVICE = 'maintenance';
export const MAINTENANCE_MODEL = 'maintenance.request';
export const REQUEST_MARKER = '[shiftstream-maintenance:';
export const RULE_MARKER = '[shiftstream-maintenance-rule:';

const hash32 = (parts: readonly unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

/** The idempotency key of the request a rule opens for a shift (revision-independent). */
export function requestKey(plantId: string, rule: Pick<MaintenanceRulePlan, 'name' | 'equipment'>, shiftId: string) {
  return hash32(['maintenance', plantId, rule.name, rule.equipment, shiftId]);
}

/** The cooldown key: one per rule and equipment. */
export function ruleKey(plantId: string, rule: Pick<MaintenanceRulePlan, 'name' | 'equipment'>): string {
  return hash32(['maintenance-rule', plantId, rule.name, rule.equipment]);
}

type LedgerState =
  | { readonly state: 'pending' }
  | {
      readonly state: 'done';
      readonly status: 'posted' | 'cooldown';
      readonly id: number | null;
      readonly revision: number;
    };

export interface MaintenanceLedger {
  get(key: string): Promise<LedgerState | undefined>;
  put(key: string, state: LedgerState): Promise<void>;
}

export function maintenanceLedgerOn(kv: KeyValueStore): MaintenanceLedger {
  return jsonLedgerOn<LedgerState>(kv, 'mnt:');
}

export interface MaintenancePosterOptions {
  readonly client: OdooClient;
  readonly ledger: MaintenanceLedger;
  readonly plan: MaintenancePlan;
  readonly timeZone: string;
  readonly retry: BackoffPolicy;
  readonly codecs: Codecs;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type Outcome = Omit<Confirmed<WindowSummary>, 'item'>;

/** What happened to one rule of a summary. */
export interface RuleResult {
  readonly rule: string;
  readonly status: 'posted' | 'updated' | 'already-posted' | 'cooldown' | 'below-threshold' | 'not-triggered';
  readonly id: number | null;
}

// The item's status is its most telling rule's status.
const RANK: readonly RuleResult['status'][] = [
  'posted',
  'updated',
  'below-threshold',
  'cooldown',
  'already-posted',
  'not-triggered',
];

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return m === 0 ? `${s} s` : s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

const AT = / at=(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\]/;

/** The request's subject (Odoo `name`, required). */
export function requestName(t: MaintenanceTrigger): string {
  return `Downtime ${t.rule.reason} on ${t.workCenterId}: ${describeThreshold(t.rule.threshold)}`;
}

/** The request's description (html): the markers, then the facts. */
export function requestDescription(t: MaintenanceTrigger, zone: TimeZone): string {
  const key = requestKey(t.plantId, t.rule, t.shiftId);
  const at = new Date(t.triggerMs).toISOString();
  const orders = [...new Set(t.stops.flatMap((s) => s.orders))].sort();
  const items = [
    `When: ${zone.formatLocal(t.triggerMs)} (${at}), when the rule's threshold was crossed`,
    `Reason: ${t.rule.reason}; ${t.stops.length} stop(s), ${minutes(t.totalDownMs)} down in all, ` +
      `the longest ${minutes(t.longestMs)}`,
    `First stop: ${zone.formatLocal(t.stops[0]?.startMs ?? t.triggerMs)}`,
    `Shift: ${t.shiftId} (${zone.formatLocal(t.shiftStartMs)} to ${zone.formatLocal(t.shiftEndMs)}), ` +
      `revision ${t.revision}`,
    `Orders running: ${orders.length === 0 ? 'none known' : orders.join(', ')}`,
    ...(t.rule.description === null ? [] : [t.rule.description]),
  ];
  return (
    `<p>${REQUEST_MARKER}${key}] ${RULE_MARKER}${ruleKey(t.plantId, t.rule)} at=${at}]</p>` +
    `<p>Rule <b>${escapeHtml(t.rule.name)}</b> on work center ${escapeHtml(t.workCenterId)}: ` +
    `${escapeHtml(describeThreshold(t.rule.threshold))} of reason ${escapeHtml(t.rule.reason)}.</p>` +
    `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`
  );
}

export function createMaintenancePoster(options: MaintenancePosterOptions): ItemPoster<WindowSummary> {
  const { client, ledger, plan } = options;
  const zone = createTimeZone(options.timeZone);
  const sleep = options.sleep ?? realSleep;
  const equipmentIds = new Map<string, { id: number; companyId: number | null }>();
  const teamIds = new Map<string, number>();
  /** The request's fields on this database (mrp_maintenance, Enterprise, adds workorder_id). */
  const fieldsOfRequest = fieldNamesOf(client, MAINTENANCE_MODEL);
  const ruled = new Set(plan.rules.map((r) => r.workCenterId));

  const retry = <T>(fn: (attempt: number) => Promise<T>): Promise<T> =>
    withRetry(fn, {
      policy: options.retry,
      sleep,
      ...(options.random === undefined ? {} : { random: options.random }),
    });

  async function equipment(t: MaintenanceTrigger): Promise<{ id: number; companyId: number | null }> {
    const code = t.rule.equipment;
    const known = equipmentIds.get(code);
    if (known !== undefined) return known;
    for (const field of ['serial_no', 'name']) {
      const rows = await client.searchRead<{ id: number; company_id: unknown }>(
        'maintenance.equipment',
        [[field, '=', code]],
        ['id', 'company_id'],
        { limit: 2 },
      );
      if (rows.length > 1)
        throw new OdooError(
          'SHIFTSTREAM_ODOO_MISSING',
          `odoo maintenance.equipment: rule '${t.rule.name}' names equipment ${JSON.stringify(code)}, expected ` +
            `one equipment with that ${field}, found several`,
          { details: { equipment: code } },
        );
      const row = rows[0];
      if (row !== undefined) {
        const e = { id: row.id, companyId: m2oId(row.company_id) };
        equipmentIds.set(code, e);
        return e;
      }
    }
    throw new OdooError(
      'SHIFTSTREAM_ODOO_MISSING',
      `odoo maintenance.equipment: rule '${t.rule.name}' names equipment ${JSON.stringify(code)}, expected an ` +
        'equipment with that serial_no or name, found none',
      { details: { equipment: code } },
    );
  }

  async function team(t: MaintenanceTrigger): Promise<number | null> {
    const name = t.rule.team;
    if (name === null) return null;
    const known = teamIds.get(name);
    if (known !== undefined) return known;
    const [id] = await client.search('maintenance.team', [['name', '=', name]], { limit: 1 });
    if (id === undefined)
      throw new OdooError(
        'SHIFTSTREAM_ODOO_MISSING',
        `odoo maintenance.team: rule '${t.rule.name}' names team ${JSON.stringify(name)}, expected a team ` +
          'with that name, found none',
        { details: { team: name } },
      );
    teamIds.set(name, id);
    return id;
  }

  const findByKey = async (key: string): Promise<number | undefined> =>
    (await client.search(MAINTENANCE_MODEL, [['description', 'ilike', `${REQUEST_MARKER}${key}]`]], { limit: 1 }))[0];

  /** An existing request of the rule and equipment whose trigger is closer than the cooldown. */
  async function inCooldown(t: MaintenanceTrigger): Promise<number | null> {
    if (plan.cooldownMs <= 0) return null;
    const rows = await client.searchRead<{ id: number; description: unknown }>(
      MAINTENANCE_MODEL,
      [['description', 'ilike', `${RULE_MARKER}${ruleKey(t.plantId, t.rule)} at=`]],
      ['id', 'description'],
    );
    for (const r of rows) {
      const m = typeof r.description === 'string' ? AT.exec(r.description) : null;
      const at = m === null ? NaN : Date.parse(m[1] as string);
      if (Number.isFinite(at) && Math.abs(at - t.triggerMs) < plan.cooldownMs) return r.id;
    }
    return null;
  }

  async function fired(t: MaintenanceTrigger): Promise<RuleResult> {
    const key = requestKey(t.plantId, t.rule, t.shiftId);
    const known = await ledger.get(key);
    if (known?.state === 'done') {
      if (known.status === 'cooldown') return { rule: t.rule.name, status: 'cooldown', id: null };
      if (t.revision > known.revision && known.id !== null) {
        await retry(() =>
          client.write(MAINTENANCE_MODEL, [known.id as number], { description: requestDescription(t, zone) }),
        );
        await ledger.put(key, { state: 'done', status: 'posted', id: known.id, revision: t.revision });
        return { rule: t.rule.name, status: 'updated', id: known.id };
      }
      return { rule: t.rule.name, status: 'already-posted', id: known.id };
    }
    // No ledger entry, or a create whose outcome is unknown: Odoo's marker decides.
    const existing = await retry(() => findByKey(key));
    if (existing !== undefined) {
      await ledger.put(key, { state: 'done', status: 'posted', id: existing, revision: t.revision });
      return { rule: t.rule.name, status: 'already-posted', id: existing };
    }
    const cooling = await retry(() => inCooldown(t));
    if (cooling !== null) {
      await ledger.put(key, { state: 'done', status: 'cooldown', id: null, revision: t.revision });
      return { rule: t.rule.name, status: 'cooldown', id: null };
    }
    const eq = await retry(() => equipment(t));
    const teamId = await retry(() => team(t));
    const fields = await retry(() => fieldsOfRequest());
    const vals: Record<string, unknown> = {
      name: requestName(t),
      maintenance_type: 'corrective',
      equipment_id: eq.id,
      request_date: zone.localDate(t.triggerMs),
      description: requestDescription(t, zone),
      ...(eq.companyId === null ? {} : { company_id: eq.companyId }),
      ...(teamId === null ? {} : { maintenance_team_id: teamId }),
      ...(t.rule.priority === null ? {} : { priority: t.rule.priority }),
    };
    // mrp_maintenance (Enterprise): the work order running during the stops, when there is exactly one.
    const wos = [...new Set(t.stops.flatMap((s) => s.workOrderIds))];
    if (fields.has('workorder_id') && wos.length === 1) vals['workorder_id'] = wos[0];
    await ledger.put(key, { state: 'pending' });
    const id = await retry(async (attempt) => {
      if (attempt > 1) {
        const found = await findByKey(key);
        if (found !== undefined) return found;
      }
      const [created] = await client.create(MAINTENANCE_MODEL, [vals]);
      if (created === undefined)
        throw new OdooError(
          'SHIFTSTREAM_ODOO_PROTOCOL',
          `odoo ${MAINTENANCE_MODEL}.create: expected one id, found none`,
        );
      return created;
    });
    await ledger.put(key, { state: 'done', status: 'posted', id, revision: t.revision });
    return { rule: t.rule.name, status: 'posted', id };
  }

  async function notFired(plantId: string, rule: MaintenanceRulePlan, shiftId: string): Promise<RuleResult> {
    const key = requestKey(plantId, rule, shiftId);
    const known = await ledger.get(key);
    const id =
      known?.state === 'done' && known.status === 'posted' ? known.id : ((await retry(() => findByKey(key))) ?? null);
    return { rule: rule.name, status: id === null ? 'not-triggered' : 'below-threshold', id };
  }

  /** Every rule of the summary's work center, in topology order. */
  async function handle(s: WindowSummary): Promise<{ outcome: Outcome; rules: RuleResult[] }> {
    const rules: RuleResult[] = [];
    for (const o of evaluateMaintenanceRules(plan, s))
      rules.push(o.fired ? await fired(o.trigger) : await notFired(s.plantId, o.rule, s.windowId));
    const status = RANK.find((st) => rules.some((r) => r.status === st)) ?? 'not-triggered';
    const ids = rules.flatMap((r) => (r.id === null ? [] : [r.id]));
    return {
      rules,
      outcome: {
        status,
        odooModel: ids.length > 0 ? MAINTENANCE_MODEL : null,
        odooIds: [...new Set(ids)],
        created: rules.filter((r) => r.status === 'posted').length,
        unlinkedIds: [],
      },
    };
  }

  const empty: Round<WindowSummary> = { confirmed: [], refused: [] };
  return {
    service: MAINTENANCE_SERVICE,
    prepare: (records) => options.codecs.prepare(records.map((r) => r.value)),
    decode(record) {
      if (record.value === null) return { kind: 'skip' };
      const d = options.codecs.summary.decode(record.value);
      if (!d.ok) return { kind: 'bad', problem: `expected a WindowSummary (Avro), found ${d.reason}: ${d.detail}` };
      const s = d.value;
      return s.windowKind === 'shift' && s.final && ruled.has(s.workCenterId)
        ? { kind: 'item', item: s }
        : { kind: 'skip' };
    },
    identify: (s): ItemIdentity => ({
      plantId: s.plantId,
      workCenterId: s.workCenterId,
      key: hash32(['maintenance-shift', s.plantId, s.workCenterId, s.windowId]),
      subject: `${s.windowId}@${s.revision}`,
    }),
    payload: (s) => ({ summary: s, milestone: null, payload: null }),
    revive: (letter) => letter.summary,
    async post(items) {
      const confirmed: Confirmed<WindowSummary>[] = [];
      const refused: { item: WindowSummary; error: unknown }[] = [];
      for (const item of items) {
        try {
          confirmed.push({ item, ...(await handle(item)).outcome });
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
