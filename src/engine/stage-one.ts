// Stage 1 as both paths build it (pipeline.ts, fused-pipeline.ts): the orders table (order
// tagging only) and the mapper that reads it, and the table's load before either stage starts.
import { attributesOrders } from '../core/attribution.js';
import { MapperStage } from './mapper-stage.js';
import { OrdersFeed } from './orders-feed.js';
import type { PipelineOptions } from './pipeline.js';

export function createStageOne(o: PipelineOptions): { feed: OrdersFeed | undefined; mapper: MapperStage } {
  const feed =
    o.orders === undefined
      ? undefined
      : new OrdersFeed({
          plan: o.topology.plant,
          topic: o.orders.topic,
          source: o.orders.source,
          offsets: o.orders.offsets,
          loadTimeoutMs: o.orders.loadTimeoutMs,
          clock: o.clock,
          metrics: o.metrics,
          log: o.log,
        });
  const mapper = new MapperStage({
    topology: o.topology,
    codecs: o.codecs,
    sink: o.sink,
    criticalSink: o.criticalSink ?? o.sink,
    clock: o.clock,
    live: o.live,
    metrics: o.metrics,
    log: o.log,
    enrichedPartitions: o.enrichedPartitions,
    sourcePartitions: o.sourcePartitions,
    ...(feed === undefined || o.orders?.tagging !== true ? {} : { orders: feed.table }),
    // Stage 2 (or the fused windows) attribute exactly when this holds: they then own such milestones.
    orderAtEventTime: attributesOrders(o.topology.plant, o.orders?.attribution === true ? true : undefined),
  });
  return { feed, mapper };
}

/**
 * Reads the orders table to its end (no event is tagged from a table read in part). False when
 * the pipeline is stopped meanwhile (then it is stopped and run() returns); a failed load stops
 * the pipeline and throws, unless a stop was asked for meanwhile.
 */
export async function startOrdersFeed(
  feed: OrdersFeed | undefined,
  stop: () => Promise<void>,
  stopping: () => boolean,
): Promise<boolean> {
  if (feed === undefined) return true;
  try {
    await feed.start();
  } catch (err) {
    const stoppedMeanwhile = stopping();
    await stop();
    if (stoppedMeanwhile) return false;
    throw err;
  }
  if (stopping()) {
    await stop();
    return false;
  }
  return true;
}
