// The Avro schemas shipped in schemas/ and which topic role each one serves.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';
import { SchemaError } from '../../errors.js';

/** schemas/ at the package root; the same three levels up from src/io/avro and dist/io/avro. */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

export const SCHEMA_FILES = {
  RawSample: 'raw-sample.avsc',
  MachineEvent: 'machine-event.avsc',
  Milestone: 'milestone.avsc',
  WindowSummary: 'window-summary.avsc',
  Rejected: 'rejected.avsc',
  Late: 'late.avsc',
  OrderSummary: 'order-summary.avsc',
} as const;
export type SchemaName = keyof typeof SCHEMA_FILES;

/** Topic role (see TopicsPlan in src/topology/types.ts) -> the schema of its values. */
export const SCHEMA_FOR_TOPIC_ROLE = {
  raw: 'RawSample',
  canonical: 'MachineEvent',
  enriched: 'MachineEvent',
  milestones: 'Milestone',
  windowSummaries: 'WindowSummary',
  shiftSummaries: 'WindowSummary',
  rejected: 'Rejected',
  late: 'Late',
  orderSummaries: 'OrderSummary',
} as const satisfies Record<string, SchemaName>;

/** Subject of a topic's values under TopicNameStrategy. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

export interface LoadedSchema {
  readonly name: SchemaName;
  readonly file: string;
  /** The schema JSON text as shipped (what gets registered). */
  readonly text: string;
  readonly type: avsc.Type;
}

export function loadSchema(name: SchemaName, dir: string = SCHEMAS_DIR): LoadedSchema {
  const file = `${dir}${dir.endsWith('/') ? '' : '/'}${SCHEMA_FILES[name]}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SchemaError(
      'SHIFTSTREAM_SCHEMA_INVALID',
      `${file}: expected a readable Avro schema file, found ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    return { name, file, text, type: avsc.Type.forSchema(JSON.parse(text) as avsc.Schema) };
  } catch (err) {
    throw new SchemaError(
      'SHIFTSTREAM_SCHEMA_INVALID',
      `${file}: expected a valid Avro schema, found: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

export function loadAllSchemas(dir: string = SCHEMAS_DIR): ReadonlyMap<SchemaName, LoadedSchema> {
  const out = new Map<SchemaName, LoadedSchema>();
  for (const name of Object.keys(SCHEMA_FILES) as SchemaName[]) out.set(name, loadSchema(name, dir));
  return out;
}
