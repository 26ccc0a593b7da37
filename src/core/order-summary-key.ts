// The Kafka key of an order summary on the compacted order-summaries topic (docs/semantics.md
// section 11): one key per (plant, work center, shift instance, order), so compaction keeps each
// share's last revision. The "no order" share has an empty order part.
import type { OrderSummary } from './types.js';

export function orderSummaryKey(s: Pick<OrderSummary, 'plantId' | 'workCenterId' | 'windowId' | 'orderRef'>): string {
  return `${s.plantId}|${s.workCenterId}|${s.windowId}|${s.orderRef ?? ''}`;
}
