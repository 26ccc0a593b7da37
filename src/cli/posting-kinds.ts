// The registry of posting kinds: the one place a kind is registered (one line each). `post --kind`,
// `post --help`, `dlq replay` and `reconcile` read this list. Recipe: docs/odoo.md, "Adding a posting kind".
import { UsageError } from '../errors.js';
import { SCHEMA_FILES, type SchemaName } from '../io/avro/schema-files.js';
import type { TopologyPlan } from '../topology/types.js';
import { maintenanceKind } from './kinds/maintenance.js';
import { materialKind } from './kinds/material.js';
import { milestonesKind } from './kinds/milestones.js';
import { ordersKind } from './kinds/orders.js';
import { shiftsKind } from './kinds/shifts.js';
import type { SchemaTopics } from './odoo-wiring.js';
import type { PostingKind } from './posting-kind.js';

export const POSTING_KINDS: readonly PostingKind[] = [
  shiftsKind,
  milestonesKind,
  ordersKind,
  maintenanceKind,
  materialKind,
];

/** `post` without --kind. */
export const DEFAULT_KIND = 'shifts';

export function postingKind(command: string, name: string, kinds: readonly PostingKind[] = POSTING_KINDS): PostingKind {
  const kind = kinds.find((k) => k.name === name);
  if (kind === undefined)
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${command} --kind: expected one of ${kinds.map((k) => k.name).join(', ')}, found ${JSON.stringify(name)}`,
    );
  return kind;
}

/** The topics of every kind's inputs per Avro schema: what the commands' codecs decode. */
export function schemaTopicsOf(plan: TopologyPlan, kinds: readonly PostingKind[] = POSTING_KINDS): SchemaTopics {
  const out = Object.fromEntries(Object.keys(SCHEMA_FILES).map((name) => [name, [] as string[]])) as Record<
    SchemaName,
    string[]
  >;
  for (const k of kinds)
    for (const i of k.inputs(plan)) if (!out[i.schema].includes(i.topic)) out[i.schema].push(i.topic);
  return out;
}
