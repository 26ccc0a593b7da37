// The full typed result of loading one topology file: the core's PlantPlan plus what only the
// engine and the Odoo poster need (topics, policies, Odoo mapping).
import type { PlantPlan } from '../core/plan.js';
import type { MaintenancePlan } from '../core/maintenance-rules.js';
import type { StateCategory } from '../core/types.js';
import type { IngestPlan } from './ingest-section.js';
import type { MaterialPlan } from '../core/material.js';

export interface TopicsPlan {
  /** Raw Avro tag samples from SCADA/historians. */
  readonly raw: string;
  /** Canonical machine events from producers that already send them (optional input). */
  readonly canonical: string;
  /** Enriched canonical events keyed by work center (the windowed lane's input). */
  readonly enriched: string;
  readonly milestones: string;
  readonly windowSummaries: string;
  readonly shiftSummaries: string;
  /** Order summaries (docs/semantics.md section 11), compacted, key `plant|workCenter|shiftId|orderRef-or-empty`. */
  readonly orderSummaries: string;
  readonly rejected: string;
  readonly late: string;
}

/**
 * Order tagging (issue 6): stage 1 tags each event with its work center's running order, read from
 * the compacted orders topic that `shiftstream orders sync` publishes (core/orders.ts).
 */
export interface OrdersPlan {
  /** Off by default: no orders topic is read and nothing is tagged. */
  readonly tagging: boolean;
  /**
   * Order attribution from Odoo (docs/semantics.md section 11): stage 2 reads the orders topic and
   * attributes time and counts to the running work orders (plant order tags turn it on by themselves).
   */
  readonly attribution: boolean;
  /** `topics.orders`, default `shiftstream.<plantId>.orders` (the topic `orders sync` writes). */
  readonly topic: string;
  /** How long `run` waits at start to read the orders topic to its end offsets. */
  readonly loadTimeoutMs: number;
}

export type RejectPolicy = 'dead-letter' | 'drop' | 'fail';
export type LatePolicy = 'amend' | 'report-only';

export interface PoliciesPlan {
  readonly rejected: RejectPolicy;
  readonly late: LatePolicy;
}

/**
 * Odoo loss mapping (docs/semantics.md section 8). Keys: `running` (the productive loss), the other
 * categories (`idle`, `setup`, `planned_stop`, `unknown`), and `down` reasons as `down/<reason>`
 * with `down` as the fallback for any reason not listed. Values are an Odoo external id
 * (`mrp.block_reason7`) or a loss name.
 */
export interface OdooMappingPlan {
  readonly losses: ReadonlyMap<string, string>;
  /** Categories posted as productivity records (default: every category but `unknown`). */
  readonly postCategories: readonly StateCategory[];
  /**
   * docs/semantics.md section 11: where quantities come from, `orders` (post --kind orders, from order
   * summaries) or `milestones` (quantity and scrap milestones, the default); never both.
   */
  readonly quantities?: QuantitySource | undefined;
  /** Name of the stock.scrap.reason.tag the orders poster puts on its scraps (none when absent). */
  readonly scrapReason?: string | undefined;
}

export type QuantitySource = 'orders' | 'milestones';

/** One finding of the schema check or of a lint rule, with where it was found. */
export interface TopologyProblem {
  /** The file (or source name) the topology was read from. */
  readonly file: string;
  /** JSON pointer into the document, e.g. `/windows/0`; `` (empty) for the whole document. */
  readonly path: string;
  /** 1-based line and column of the YAML node the path points at (0 when unknown). */
  readonly line: number;
  readonly column: number;
  /** The lint rule name, `schema` for the schema check, `yaml-syntax` for parse errors. */
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export interface TopologyPlan {
  readonly version: number;
  /** The file it was loaded from (for error messages). */
  readonly source: string;
  /** The plant's display name (`plant.name`); the id is `plant.plantId`. */
  readonly plantName: string;
  readonly plant: PlantPlan;
  readonly topics: TopicsPlan;
  readonly policies: PoliciesPlan;
  readonly odoo: OdooMappingPlan;
  readonly orders: OrdersPlan;
  /** Maintenance requests from downtime (`maintenance`; no rules when absent). */
  readonly maintenance: MaintenancePlan;
  /** The `ingest:` section (MQTT input, spool), defaults applied; absent in hand-built plans. */
  readonly ingest?: IngestPlan;
  /** The `material:` section (docs/semantics.md section 13); absent in hand-built plans. */
  readonly material?: MaterialPlan;
  /** Lint warnings found while loading (errors make loading throw instead). */
  readonly warnings: readonly TopologyProblem[];
}
