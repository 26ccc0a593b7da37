// Topic names of the Odoo posting services. The topology names the pipeline's topics; these three
// belong to the Odoo side and follow the same default scheme: `shiftstream.<plantId>.<role>`.
import type { TopologyPlan } from './types.js';

export interface OdooTopics {
  /** Shift summaries (WindowSummary Avro), input of `post`. */
  readonly shiftSummaries: string;
  /** Milestones (Milestone Avro), input of `post --milestones`. */
  readonly milestones: string;
  /** Permanent failures, JSON DeadLetter values keyed by the item's key. */
  readonly deadLetters: string;
  /** Every attempt, JSON AuditRecord values keyed by `<plantId>/<workCenterId>`. */
  readonly audit: string;
  /** Released work orders per work center, JSON OrdersSnapshot values; compacted. */
  readonly orders: string;
}

export interface OdooTopicOverrides {
  readonly deadLetters?: string | undefined;
  readonly audit?: string | undefined;
  readonly orders?: string | undefined;
}

export function odooTopicPrefix(plantId: string): string {
  return `shiftstream.${plantId}`;
}

export function odooTopicsOf(
  plan: Pick<TopologyPlan, 'topics' | 'plant'> & { readonly orders?: TopologyPlan['orders'] },
  overrides: OdooTopicOverrides = {},
): OdooTopics {
  const prefix = odooTopicPrefix(plan.plant.plantId);
  return {
    shiftSummaries: plan.topics.shiftSummaries,
    milestones: plan.topics.milestones,
    deadLetters: overrides.deadLetters ?? `${prefix}.odoo-dlq`,
    audit: overrides.audit ?? `${prefix}.odoo-audit`,
    // The topology's topics.orders, which run reads with order tagging: both sides agree by default.
    orders: overrides.orders ?? plan.orders?.topic ?? `${prefix}.orders`,
  };
}
