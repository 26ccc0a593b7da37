// Stage 3: a lint-clean document becomes the typed, frozen plan (Maps, integer ms, defaults
// applied). The hot path only does Map lookups on it.
import type { MachinePlan, PlantPlan, TagPlan, WorkCenterPlan } from '../core/plan.js';
import type { TagDoc, TopologyDoc } from './document.js';
import { deepFreeze, FrozenMap } from './frozen.js';
import {
  calendarSpec,
  DEFAULTS,
  eventTimeMs,
  machinesByWorkCenter,
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
import type { TopologyPlan, TopologyProblem } from './types.js';

function tagPlan(tag: string, t: TagDoc): TagPlan {
  const base = { tag, machineId: t.machine };
  switch (t.role) {
    case 'state': {
      const values = new FrozenMap(Object.entries(t.values).map(([k, v]) => [k, planMapping(v)] as const));
      return t.default === undefined
        ? { ...base, kind: 'state', values }
        : { ...base, kind: 'state', values, default: planMapping(t.default) };
    }
    case 'reason':
      return {
        ...base,
        kind: 'reason',
        values: new FrozenMap(Object.entries(t.values ?? {})),
        strict: t.strict ?? false,
      };
    case 'counter':
      return t.rolloverAt === undefined
        ? { ...base, kind: 'counter', counter: t.counter, mode: t.mode }
        : { ...base, kind: 'counter', counter: t.counter, mode: t.mode, rolloverAt: t.rolloverAt };
    case 'heartbeat':
      return { ...base, kind: 'heartbeat' };
    case 'milestone':
      return { ...base, kind: 'milestone', milestone: t.milestone };
  }
}

export function compileTopology(doc: TopologyDoc, source: string, warnings: readonly TopologyProblem[]): TopologyPlan {
  const { silenceTimeoutMs, ...eventTime } = eventTimeMs(doc);
  const byWc = machinesByWorkCenter(doc);
  const machines = new FrozenMap<string, MachinePlan>(
    Object.entries(doc.machines).map(([id, m]) => [
      id,
      {
        machineId: id,
        workCenterId: m.workCenter,
        silenceTimeoutMs: m.silenceTimeout === undefined ? silenceTimeoutMs : ms(m.silenceTimeout),
      },
    ]),
  );
  const workCenters = new FrozenMap<string, WorkCenterPlan>(
    Object.entries(doc.workCenters).map(([id, w]) => {
      const machineIds = byWc.get(id) ?? [];
      const base = {
        workCenterId: id,
        odooCode: w.odooCode,
        stateMachineId: stateMachineOf(doc, id, machineIds) ?? '',
        machineIds,
      };
      return [id, w.idealCycleTime === undefined ? base : { ...base, idealCycleTimeMs: ms(w.idealCycleTime) }];
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
    odoo: { losses: new FrozenMap(Object.entries(doc.odoo.losses)), postCategories: [...postCategories(doc)] },
    orders: ordersOf(doc),
    ingest: ingestOf(doc.plant.id, doc.ingest),
    warnings,
  });
}
