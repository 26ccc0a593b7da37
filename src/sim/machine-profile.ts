// What the simulator needs to know of one machine, read once from the plan: its tags by role and,
// for state and reason tags, raw values grouped by what they map to, so every simulated value is
// valid input for the tag mapping.
import type { PlantPlan } from '../core/plan.js';
import type { CounterMode, MilestoneKind, SampleValue } from '../core/types.js';
import { MILESTONE_KINDS } from '../core/types.js';

/** The categories the state model moves between (`unknown` is never simulated on purpose). */
export const SIM_CATEGORIES = ['running', 'idle', 'setup', 'planned_stop', 'down'] as const;
export type SimCategory = (typeof SIM_CATEGORIES)[number];

export interface ReasonValue {
  readonly value: SampleValue;
  readonly reason: string;
}

export interface CounterProfile {
  readonly tag: string;
  readonly counter: string;
  readonly mode: CounterMode;
  readonly rolloverAt: number | null;
}

export interface MachineProfile {
  readonly machineId: string;
  readonly silenceTimeoutMs: number;
  readonly idealCycleTimeMs: number | null;
  readonly stateTag: string | null;
  /** Raw values per category (down excluded: see `downValues`). Empty when the table lacks the category. */
  readonly stateValues: ReadonlyMap<SimCategory, readonly SampleValue[]>;
  /** Down values with the reason each maps to. */
  readonly downValues: readonly ReasonValue[];
  readonly reasonTag: string | null;
  readonly reasonValues: readonly ReasonValue[];
  /** A reason-tag value that clears the reason (maps to null), if the table has one. */
  readonly reasonClear: SampleValue | null;
  readonly counters: readonly CounterProfile[];
  readonly heartbeatTags: readonly string[];
  /** Indexed like MILESTONE_KINDS: the tags of each milestone kind. */
  readonly milestoneTags: readonly (readonly string[])[];
  /** Order tags (role `order`): the machine publishes the order in work on them (semantics section 11). */
  readonly orderTags: readonly string[];
  /** Some machine of this machine's work center has an order tag: its quantity and scrap tags send bare counts. */
  readonly workCenterOrderTag: boolean;
}

/** Reason codes used for a non-strict reason tag with an empty table. */
export const FALLBACK_REASONS = ['jam', 'tool_break', 'material_shortage', 'electrical', 'hydraulic'] as const;

const NUMERIC_KEY = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** The raw value whose canonical key is `key`: numbers and booleans where the key spells one. */
export function rawValueOfKey(key: string): SampleValue {
  if (key === 'true') return true;
  if (key === 'false') return false;
  if (NUMERIC_KEY.test(key) && String(Number(key)) === key) return Number(key);
  return key;
}

export function buildMachineProfiles(plan: PlantPlan, machineIds: readonly string[]): MachineProfile[] {
  return machineIds.map((machineId) => buildMachineProfile(plan, machineId));
}

function buildMachineProfile(plan: PlantPlan, machineId: string): MachineProfile {
  const machine = plan.machines.get(machineId);
  if (machine === undefined) throw new RangeError(`sim: machine ${machineId} is not in plant ${plan.plantId}`);
  const wc = plan.workCenters.get(machine.workCenterId);

  let stateTag: string | null = null;
  const stateValues = new Map<SimCategory, SampleValue[]>(SIM_CATEGORIES.map((c) => [c, []]));
  const downValues: ReasonValue[] = [];
  let reasonTag: string | null = null;
  const reasonValues: ReasonValue[] = [];
  let reasonClear: SampleValue | null = null;
  const counters: CounterProfile[] = [];
  const heartbeatTags: string[] = [];
  const milestoneTags: string[][] = MILESTONE_KINDS.map(() => []);
  const orderTags: string[] = [];
  let workCenterOrderTag = false;

  for (const tag of plan.tags.values()) {
    if (tag.kind === 'order' && plan.machines.get(tag.machineId)?.workCenterId === machine.workCenterId)
      workCenterOrderTag = true;
    if (tag.machineId !== machineId) continue;
    switch (tag.kind) {
      case 'state': {
        if (stateTag !== null) break; // one state tag drives the model; further ones are not simulated
        stateTag = tag.tag;
        for (const [key, mapping] of tag.values) {
          const value = rawValueOfKey(key);
          if (mapping.category === 'down') downValues.push({ value, reason: mapping.reason ?? 'unspecified' });
          else if (mapping.category !== 'unknown') stateValues.get(mapping.category)?.push(value);
        }
        break;
      }
      case 'reason': {
        if (reasonTag !== null) break;
        reasonTag = tag.tag;
        for (const [key, reason] of tag.values) {
          const value = rawValueOfKey(key);
          if (reason === null) reasonClear ??= value;
          else reasonValues.push({ value, reason });
        }
        if (reasonValues.length === 0 && !tag.strict) {
          for (const reason of FALLBACK_REASONS) reasonValues.push({ value: reason, reason });
        }
        break;
      }
      case 'counter':
        counters.push({ tag: tag.tag, counter: tag.counter, mode: tag.mode, rolloverAt: tag.rolloverAt ?? null });
        break;
      case 'heartbeat':
        heartbeatTags.push(tag.tag);
        break;
      case 'milestone':
        milestoneTags[milestoneIndex(tag.milestone)]?.push(tag.tag);
        break;
      case 'order':
        orderTags.push(tag.tag);
        break;
    }
  }
  return {
    machineId,
    silenceTimeoutMs: machine.silenceTimeoutMs,
    idealCycleTimeMs: wc?.idealCycleTimeMs ?? null,
    stateTag,
    stateValues,
    downValues,
    reasonTag,
    reasonValues,
    reasonClear,
    counters,
    heartbeatTags,
    milestoneTags,
    orderTags,
    workCenterOrderTag,
  };
}

export function milestoneIndex(kind: MilestoneKind): number {
  return MILESTONE_KINDS.indexOf(kind);
}

/** Whether the model may enter `category` on this machine (always, without a state tag). */
export function canEnter(p: MachineProfile, category: SimCategory): boolean {
  if (p.stateTag === null) return true;
  if (category === 'down') return p.downValues.length > 0;
  return (p.stateValues.get(category)?.length ?? 0) > 0;
}
