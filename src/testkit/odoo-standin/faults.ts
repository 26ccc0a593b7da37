// Fault injection for the Odoo stand-in: rules matched per call (model/method/protocol), fired by
// call count (`after`, `times`) or by probability with a seeded PRNG (reproducible runs).

export const FAULT_KINDS = [
  'latency',
  'http5xx',
  'hang',
  'reset',
  'lost-after-commit',
  'serialization',
  'validation',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  readonly kind: FaultKind;
  readonly model?: string;
  readonly method?: string;
  readonly protocol?: 'jsonrpc' | 'json2';
  /** Let this many matching calls pass before the rule fires (default 0). */
  readonly after?: number;
  /** How many times the rule fires (default 1; Infinity for always). */
  readonly times?: number;
  /** Fire with this probability per matching call (uses the stand-in's seed). */
  readonly probability?: number;
  /** latency: delay in ms (default 100). */
  readonly latencyMs?: number;
  /** http5xx: status (default 503). */
  readonly status?: number;
}

export interface CallInfo {
  readonly protocol: 'jsonrpc' | 'json2';
  readonly model: string;
  readonly method: string;
}

interface LiveRule {
  readonly rule: FaultRule;
  seen: number;
  fired: number;
}

import { seededRandom } from '../seeded-random.js';

export { seededRandom };

export interface Faults {
  inject(rule: FaultRule): void;
  clear(): void;
  /** How many times faults fired, by kind. */
  readonly fired: Readonly<Record<string, number>>;
  /** Stand-in internal: the faults that fire for this call (latency may combine with one other). */
  pick(call: CallInfo): FaultRule[];
}

export function createFaults(seed: number): Faults {
  let rules: LiveRule[] = [];
  const random = seededRandom(seed);
  const fired: Record<string, number> = {};
  return {
    inject(rule) {
      if (!FAULT_KINDS.includes(rule.kind))
        throw new Error(
          `odoo stand-in: unknown fault kind ${JSON.stringify(rule.kind)}, expected one of ${FAULT_KINDS.join(', ')}`,
        );
      rules.push({ rule, seen: 0, fired: 0 });
    },
    clear() {
      rules = [];
    },
    fired,
    pick(call) {
      const out: FaultRule[] = [];
      for (const live of rules) {
        const r = live.rule;
        if (
          (r.model !== undefined && r.model !== call.model) ||
          (r.method !== undefined && r.method !== call.method) ||
          (r.protocol !== undefined && r.protocol !== call.protocol)
        )
          continue;
        live.seen += 1;
        if (live.seen <= (r.after ?? 0)) continue;
        if (live.fired >= (r.times ?? 1)) continue;
        if (r.probability !== undefined && random() >= r.probability) continue;
        if (r.kind !== 'latency' && out.some((f) => f.kind !== 'latency')) continue;
        live.fired += 1;
        fired[r.kind] = (fired[r.kind] ?? 0) + 1;
        out.push(r);
      }
      return out;
    },
  };
}
