// Stage 3: a lint-clean document becomes the typed, frozen plan (Maps, integer ms, defaults
// applied). The hot path only does Map lookups on it.
import type {
  CounterTagPlan,
  HeartbeatTagPlan,
  InspectionRulePlan,
  MachinePlan,
  MilestoneTagPlan,
  OrderTagPlan,
  PlantPlan,
  ReasonTagPlan,
  StateTagPlan,
  TagPlan,
  WorkCenterPlan,
} from '../core/plan.js';
import type { CounterMode, MilestoneKind, StateMapping } from '../core/types.js';
import type { MilestoneTagDoc, TagDoc, TopologyDoc } from './document.js';
import { deepFreeze, FrozenMap } from './frozen.js';
import {
  calendarSpec,
  DEFAULTS,
  eventTimeMs,
  machinesByWorkCenter,
  maintenanceOf,
  ms,
  ordersOf,
  planMapping,
  postCategories,
  stateMachineOf,
  topicsOf,
  validationMs,
  windowSpec,
} from './model.js';
import { ingestOf } from './ingest-section.js';
import { materialOf } from './material-section.js';
import type { TopologyPlan, TopologyProblem } from './types.js';

// One object literal per plan shape, every optional field present (undefined when absent), so each
// tag kind has a single hidden class: the hot path (`mapSample`) reads `kind`, `machineId`, `values`
// ... on monomorphic inline caches. Object spreads (`{ ...base, kind }`) gave every plan object a
// hidden class of its own (one per tag, measured with %HaveSameMap), which made those reads
// megamorphic. bench/map-plan.mjs measures the difference.

function stateMapping(m: StateMapping): StateMapping {
  return { category: m.category, reason: m.reason };
}

/** Every tag plan has these fields in this order; those of other kinds are undefined. */
interface TagShape {
  readonly tag: string;
  readonly machineId: string;
  readonly kind: TagPlan['kind'];
  readonly values: ReadonlyMap<string, StateMapping> | ReadonlyMap<string, string | null> | undefined;
  readonly default: StateMapping | undefined;
  readonly strict: boolean | undefined;
  readonly counter: string | undefined;
  readonly mode: CounterMode | undefined;
  readonly rolloverAt: number | undefined;
  readonly milestone: MilestoneKind | undefined;
  readonly inspection: InspectionRulePlan | undefined;
}

function tagShape(
  tag: string,
  machineId: string,
  kind: TagPlan['kind'],
  values: TagShape['values'],
  dflt: StateMapping | undefined,
  strict: boolean | undefined,
  counter: string | undefined,
  mode: CounterMode | undefined,
  rolloverAt: number | undefined,
  milestone: MilestoneKind | undefined,
  inspection: InspectionRulePlan | undefined = undefined,
): TagShape {
  return { tag, machineId, kind, values, default: dflt, strict, counter, mode, rolloverAt, milestone, inspection };
}

const u = undefined;

function statePlan(
  tag: string,
  machineId: string,
  values: ReadonlyMap<string, StateMapping>,
  dflt: StateMapping | undefined,
): StateTagPlan {
  return tagShape(tag, machineId, 'state', values, dflt, u, u, u, u, u) as StateTagPlan;
}

function reasonPlan(
  tag: string,
  machineId: string,
  values: ReadonlyMap<string, string | null>,
  strict: boolean,
): ReasonTagPlan {
  return tagShape(tag, machineId, 'reason', values, u, strict, u, u, u, u) as ReasonTagPlan;
}

function counterPlan(
  tag: string,
  machineId: string,
  counter: string,
  mode: CounterMode,
  rolloverAt: number | undefined,
): CounterTagPlan {
  return tagShape(tag, machineId, 'counter', u, u, u, counter, mode, rolloverAt, u) as CounterTagPlan;
}

function heartbeatPlan(tag: string, machineId: string): HeartbeatTagPlan {
  return tagShape(tag, machineId, 'heartbeat', u, u, u, u, u, u, u) as HeartbeatTagPlan;
}

function milestonePlan(tag: string, t: MilestoneTagDoc): MilestoneTagPlan {
  const measured = t.milestone === 'inspection';
  const inspects = measured || t.milestone === 'inspection_passed' || t.milestone === 'inspection_failed';
  const rule: InspectionRulePlan | undefined = inspects
    ? {
        measured,
        test: t.test ?? null,
        unit: t.unit ?? null,
        limitLow: t.limitLow ?? null,
        limitHigh: t.limitHigh ?? null,
        scrapOnFail: t.scrapOnFail ?? null,
      }
    : undefined;
  // `inspection` is decided per sample by the limits; the plan's kind is only a placeholder.
  const kind: MilestoneKind = t.milestone === 'inspection' ? 'inspection_failed' : t.milestone;
  return tagShape(tag, t.machine, 'milestone', u, u, u, u, u, u, kind, rule) as MilestoneTagPlan;
}

function orderPlan(tag: string, machineId: string): OrderTagPlan {
  return tagShape(tag, machineId, 'order', u, u, u, u, u, u, u) as OrderTagPlan;
}

function tagPlan(tag: string, t: TagDoc): TagPlan {
  switch (t.role) {
    case 'state': {
      const values = new FrozenMap(
        Object.entries(t.values).map(([k, v]) => [k, stateMapping(planMapping(v))] as const),
      );
      return statePlan(
        tag,
        t.machine,
        values,
        t.default === undefined ? undefined : stateMapping(planMapping(t.default)),
      );
    }
    case 'reason':
      return reasonPlan(tag, t.machine, new FrozenMap(Object.entries(t.values ?? {})), t.strict ?? false);
    case 'counter':
      return counterPlan(tag, t.machine, t.counter, t.mode, t.rolloverAt);
    case 'heartbeat':
      return heartbeatPlan(tag, t.machine);
    case 'milestone':
      return milestonePlan(tag, t);
    case 'order':
      return orderPlan(tag, t.machine);
  }
}

function workCenterPlan(
  workCenterId: string,
  odooCode: string,
  stateMachineId: string,
  machineIds: readonly string[],
  idealCycleTimeMs: number | undefined,
): WorkCenterPlan {
  return { workCenterId, odooCode, stateMachineId, machineIds, idealCycleTimeMs };
}

function machinePlan(machineId: string, workCenterId: string, silenceTimeoutMs: number): MachinePlan {
  return { machineId, workCenterId, silenceTimeoutMs };
}

export function compileTopology(doc: TopologyDoc, source: string, warnings: readonly TopologyProblem[]): TopologyPlan {
  const { silenceTimeoutMs, ...eventTime } = eventTimeMs(doc);
  const byWc = machinesByWorkCenter(doc);
  const machines = new FrozenMap<string, MachinePlan>(
    Object.entries(doc.machines).map(([id, m]) => [
      id,
      machinePlan(id, m.workCenter, m.silenceTimeout === undefined ? silenceTimeoutMs : ms(m.silenceTimeout)),
    ]),
  );
  const workCenters = new FrozenMap<string, WorkCenterPlan>(
    Object.entries(doc.workCenters).map(([id, w]) => {
      const machineIds = byWc.get(id) ?? [];
      const ideal = w.idealCycleTime === undefined ? undefined : ms(w.idealCycleTime);
      return [id, workCenterPlan(id, w.odooCode, stateMachineOf(doc, id, machineIds) ?? '', machineIds, ideal)];
    }),
  );
  const plant: PlantPlan = {
    plantId: doc.plant.id,
    timeZone: doc.plant.timeZone,
    tags: new FrozenMap(Object.entries(doc.tags).map(([tag, t]) => [tag, tagPlan(tag, t)])),
    machines,
    workCenters,
    windows: doc.windows.map(windowSpec),
    calendar: calendarSpec(doc),
    eventTime,
    validation: validationMs(doc),
  };
  return deepFreeze({
    version: doc.version,
    source,
    plantName: doc.plant.name,
    plant,
    topics: topicsOf(doc),
    policies: { ...DEFAULTS.policies, ...doc.policies },
    odoo: {
      losses: new FrozenMap(Object.entries(doc.odoo.losses)),
      postCategories: [...postCategories(doc)],
      quantities: doc.odoo.quantities ?? 'milestones',
      ...(doc.odoo.scrapReason === undefined ? {} : { scrapReason: doc.odoo.scrapReason }),
    },
    orders: ordersOf(doc),
    maintenance: maintenanceOf(doc),
    ingest: ingestOf(doc.plant.id, doc.ingest),
    material: materialOf(doc.plant.id, doc.material),
    warnings,
  });
}
