// Defaults and the normalized view of a schema-valid topology document: durations in ms, state
// mappings in long form, weekday ranges expanded, window names filled in. Lint rules and the
// compiler both read this view, so they agree on every default.
import type { MaintenancePlan } from '../core/maintenance-rules.js';
import { WEEKDAYS, type ShiftCalendarSpec, type Weekday, type WindowSpec } from '../core/plan.js';
import { STATE_CATEGORIES, type StateCategory, type StateMapping } from '../core/types.js';
import type { StateMappingDoc, TopologyDoc, WindowDoc } from './document.js';
import { formatDuration, parseDuration } from './duration.js';
import type { LatePolicy, OrdersPlan, RejectPolicy, TopicsPlan } from './types.js';

/** Defaults of optional keys (documented in docs/topology.md). */
export const DEFAULTS = {
  eventTime: { silenceTimeout: '5m', outOfOrderness: '30s', grace: '30s', idleTimeout: '1m', amendmentHorizon: '48h' },
  validation: { maxFuture: '5m', maxPast: '7d' },
  policies: { rejected: 'dead-letter' as RejectPolicy, late: 'amend' as LatePolicy },
  /** Every category but `unknown` is posted to Odoo unless `odoo.post` says otherwise. */
  odooPost: STATE_CATEGORIES.filter((c) => c !== 'unknown') as readonly StateCategory[],
  orders: { tagging: false, attribution: false, loadTimeout: '60s' },
  /** One request per rule and equipment within this long. */
  maintenanceCooldown: '8h',
} as const;

/** The reason a `down` mapping gets when the table names none (docs/semantics.md section 2). */
export const UNSPECIFIED_REASON = 'unspecified';

export const TOPIC_SUFFIXES: Readonly<Record<keyof TopicsPlan, string>> = {
  raw: 'raw',
  canonical: 'canonical',
  enriched: 'enriched',
  milestones: 'milestones',
  windowSummaries: 'window-summaries',
  shiftSummaries: 'shift-summaries',
  orderSummaries: 'order-summaries',
  rejected: 'rejected',
  late: 'late',
};

export function defaultTopics(plantId: string): TopicsPlan {
  const out: Record<string, string> = {};
  for (const [key, suffix] of Object.entries(TOPIC_SUFFIXES)) out[key] = `shiftstream.${plantId}.${suffix}`;
  return out as unknown as TopicsPlan;
}

/** A duration the schema already accepted; 0 if it somehow is not one (lint reports it). */
export function ms(value: string | number): number {
  return parseDuration(value) ?? 0;
}

/** Long form of a state mapping as written; `reason` only when the file names one. */
export function readMapping(doc: StateMappingDoc): { category: StateCategory; reason?: string } {
  if (typeof doc !== 'string')
    return doc.reason === undefined ? { category: doc.category } : { category: doc.category, reason: doc.reason };
  const slash = doc.indexOf('/');
  if (slash < 0) return { category: doc as StateCategory };
  return { category: doc.slice(0, slash) as StateCategory, reason: doc.slice(slash + 1) };
}

/** The plan's mapping: `down` without a reason becomes `down/unspecified`. */
export function planMapping(doc: StateMappingDoc): StateMapping {
  const m = readMapping(doc);
  if (m.category === 'down') return { category: 'down', reason: m.reason ?? UNSPECIFIED_REASON };
  return m.reason === undefined ? { category: m.category } : { category: m.category, reason: m.reason };
}

/** `[mon-fri, sun]` -> weekdays in the order written, ranges wrapping around the week. */
export function expandDays(items: readonly string[]): Weekday[] {
  const out: Weekday[] = [];
  for (const item of items) {
    const [from, to] = item.split('-') as [Weekday, Weekday | undefined];
    const a = WEEKDAYS.indexOf(from);
    const b = to === undefined ? a : WEEKDAYS.indexOf(to);
    for (let i = a; ; i = (i + 1) % 7) {
      out.push(WEEKDAYS[i] as Weekday);
      if (i === b) break;
    }
  }
  return out;
}

/** The window's name: given, or `1m` (tumbling), `1h-every-15m` (hopping), `shift`. */
export function windowName(w: WindowDoc): string {
  if (w.name !== undefined) return w.name;
  if (w.kind === 'tumbling') return formatDuration(ms(w.size));
  if (w.kind === 'hopping') return `${formatDuration(ms(w.size))}-every-${formatDuration(ms(w.advance))}`;
  return 'shift';
}

export function windowSpec(w: WindowDoc): WindowSpec {
  const name = windowName(w);
  if (w.kind === 'tumbling') return { kind: 'tumbling', name, sizeMs: ms(w.size) };
  if (w.kind === 'hopping') return { kind: 'hopping', name, sizeMs: ms(w.size), advanceMs: ms(w.advance) };
  return { kind: 'shift', name };
}

export function calendarSpec(doc: TopologyDoc): ShiftCalendarSpec {
  const days = (items: readonly string[]): Weekday[] => {
    const set = new Set(expandDays(items));
    return WEEKDAYS.filter((d) => set.has(d));
  };
  return {
    timeZone: doc.plant.timeZone,
    shifts: doc.calendar.shifts.map((s) => ({ name: s.name, start: s.start, end: s.end, days: days(s.days) })),
    holidays: (doc.calendar.holidays ?? []).map((h) =>
      h.name === undefined ? { date: h.date } : { date: h.date, name: h.name },
    ),
    overrides: (doc.calendar.overrides ?? []).map((o) => ({
      date: o.date,
      shifts: o.shifts.map((s) => ({ name: s.name, start: s.start, end: s.end })),
    })),
  };
}

export function eventTimeMs(doc: TopologyDoc): {
  silenceTimeoutMs: number;
  outOfOrdernessMs: number;
  graceMs: number;
  idleTimeoutMs: number;
  amendmentHorizonMs: number;
} {
  const e = { ...DEFAULTS.eventTime, ...doc.eventTime };
  return {
    silenceTimeoutMs: ms(e.silenceTimeout),
    outOfOrdernessMs: ms(e.outOfOrderness),
    graceMs: ms(e.grace),
    idleTimeoutMs: ms(e.idleTimeout),
    amendmentHorizonMs: ms(e.amendmentHorizon),
  };
}

export function validationMs(doc: TopologyDoc): { maxFutureMs: number; maxPastMs: number } {
  const v = { ...DEFAULTS.validation, ...doc.validation };
  return { maxFutureMs: ms(v.maxFuture), maxPastMs: ms(v.maxPast) };
}

/** The pipeline's topics (`topics.orders` is not one of them: see ordersOf). */
export function topicsOf(doc: TopologyDoc): TopicsPlan {
  const { orders: _orders, ...given } = doc.topics ?? {};
  return { ...defaultTopics(doc.plant.id), ...given };
}

/** The default orders topic: what `orders sync` writes unless told otherwise. */
export function defaultOrdersTopic(plantId: string): string {
  return `shiftstream.${plantId}.orders`;
}

export function ordersOf(doc: TopologyDoc): OrdersPlan {
  return {
    tagging: doc.orders?.tagging ?? DEFAULTS.orders.tagging,
    attribution: doc.orders?.attribution ?? DEFAULTS.orders.attribution,
    topic: doc.topics?.orders ?? defaultOrdersTopic(doc.plant.id),
    loadTimeoutMs: ms(doc.orders?.loadTimeout ?? DEFAULTS.orders.loadTimeout),
  };
}

export function postCategories(doc: TopologyDoc): readonly StateCategory[] {
  return doc.odoo.post ?? DEFAULTS.odooPost;
}

/** Machines of each work center, in declaration order. */
export function machinesByWorkCenter(doc: TopologyDoc): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const id of Object.keys(doc.workCenters)) out.set(id, []);
  for (const [id, m] of Object.entries(doc.machines)) out.get(m.workCenter)?.push(id);
  return out;
}

/** The designated state machine: as given, or the only machine of the work center. */
export function stateMachineOf(
  doc: TopologyDoc,
  workCenterId: string,
  machines: readonly string[],
): string | undefined {
  return doc.workCenters[workCenterId]?.stateMachine ?? (machines.length === 1 ? machines[0] : undefined);
}

export function maintenanceOf(doc: TopologyDoc): MaintenancePlan {
  const m = doc.maintenance;
  return {
    cooldownMs: ms(m?.cooldown ?? DEFAULTS.maintenanceCooldown),
    equipment: new Map(Object.entries(m?.equipment ?? {}).map(([wc, codes]) => [wc, [...codes]])),
    rules: (m?.rules ?? []).map((r) => ({
      name: r.name,
      workCenterId: r.workCenter,
      reason: r.reason,
      threshold:
        r.longerThan !== undefined
          ? { kind: 'longerThan' as const, ms: ms(r.longerThan) }
          : r.totalOver !== undefined
            ? { kind: 'totalOver' as const, ms: ms(r.totalOver) }
            : { kind: 'count' as const, count: r.count ?? 1 },
      equipment: r.equipment,
      team: r.team ?? null,
      priority: r.priority ?? null,
      description: r.description ?? null,
    })),
  };
}
