// Stage 1 (stateless but for the down/up tracker): raw samples and canonical events are mapped,
// validated and enriched; milestones leave at once on the critical lane; rejects go to the
// dead-letter topic with their reason. Output is keyed by work center, so stage 2 sees every
// machine of a work center on one partition. With order tagging, each enriched event carries its
// work center's running order at its event time, from the orders table as known when the event is
// mapped (orders-feed.ts); stage 1 owns the tag (a canonical producer's is replaced or cleared).
import { mapSample, validateCanonicalEvent, type MapVerdict } from '../core/mapping.js';
import { isWatermarkMarker, markerProgress } from '../core/raw-markers.js';
import { rejectRecord } from './rejects.js';
import { createMilestoneTracker, type MilestoneTracker } from '../core/milestones.js';
import type { OrdersTable } from '../core/orders.js';
import { withRunningOrder, type MachineEvent } from '../core/types.js';
import type { TopologyPlan } from '../topology/types.js';
import type { Clock } from '../ports/clock.js';
import type { Codecs } from '../ports/codecs.js';
import type { SourceBatch } from '../ports/event-source.js';
import type { EventSink, SinkRecord } from '../ports/event-sink.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Log } from '../ports/log.js';
import { yieldToLoop } from './yield.js';

export interface MapperStageOptions {
  readonly topology: TopologyPlan;
  readonly codecs: Codecs;
  readonly sink: EventSink;
  /** Milestones go here (the critical lane's own producer); default `sink`. */
  readonly criticalSink?: EventSink;
  readonly clock: Clock;
  /** Live runs validate timestamps against the wall clock; replays of old data do not. */
  readonly live: boolean;
  /** Partitions of the enriched topic (markers go to each) and the number of input partitions. */
  readonly enrichedPartitions: number;
  readonly sourcePartitions: number;
  readonly metrics: Metrics;
  readonly log: Log;
  /** Order tagging: the orders table to tag events from (absent: tagging off). */
  readonly orders?: OrdersTable;
  /**
   * Order attribution is on in stage 2 (semantics section 11): quantity and scrap milestones
   * without an order of their own are left to stage 2, which gives them the order running at their
   * ts (section 9.3). Default false.
   */
  readonly orderAtEventTime?: boolean;
}

/**
 * What `submit` started, and what it handed to the enriched topic: the events in the order they
 * were sent, and the batch's watermark marker (sent after them to every enriched partition), so
 * that the fused path (fused-pipeline.ts) applies to its windows exactly what the enriched topic
 * got, without reading it back.
 */
export interface MapperSubmission {
  readonly acked: Promise<void>;
  readonly events: readonly MachineEvent[];
  /** The marker's content: this source's highest event time, of `sources` input partitions. */
  readonly progress: { readonly source: string; readonly tsMs: number; readonly sources: number } | undefined;
}

/** Records encoded for the bulk send between two turns of the event loop. */
const CHUNK = 512;
/** Records decoded and mapped in the pre-pass between two sends of the milestones found. */
const PRE_PASS_CHUNK = 1024;

/**
 * A send started before the batch is done is awaited at the end; if the batch fails first, its
 * rejection must still count as handled (the batch's own error is what surfaces).
 */
function observed(p: Promise<void>): Promise<void> {
  p.catch(() => undefined);
  return p;
}

export class MapperStage {
  private readonly tracker: MilestoneTracker;
  /** Highest valid event time seen per input partition (`topic/partition`). */
  private readonly sourceMaxTs = new Map<string, number>();

  constructor(private readonly o: MapperStageOptions) {
    this.tracker = createMilestoneTracker({}, { orderAtEventTime: o.orderAtEventTime === true });
  }

  /** Processes the batch and waits until every record it produced is acknowledged. */
  async handle(batch: SourceBatch): Promise<void> {
    const { acked } = await this.submit(batch);
    await acked;
  }

  /**
   * Processes the batch and starts its sends; resolves once they are started, with the promise of
   * their acknowledgement. The caller may hand over the partition's next batch meanwhile (its
   * milestones then leave while this batch's bulk send is still in flight), but must not treat
   * this batch's input as done before `acked` resolved. Sends are started in batch order, and each
   * sink keeps its sends in call order, so the output order is the input order either way.
   */
  async submit(batch: SourceBatch): Promise<MapperSubmission> {
    const { topology, codecs, sink, metrics } = this.o;
    const criticalSink = this.o.criticalSink ?? sink;
    const topics = topology.topics;
    const plan = topology.plant;
    await codecs.prepare(batch.records.map((r) => r.value));
    const now = this.o.clock.nowMs();
    const ctx = this.o.live ? { nowMs: now } : {};
    const critical: SinkRecord[] = [];
    /** The input records' timestamps (produce time) of `critical`, for the latency histogram. */
    const criticalStamps: number[] = [];
    const bulk: SinkRecord[] = [];
    const isRaw = batch.topic === topics.raw;
    let rejects = 0;
    let milestones = 0;
    /** Raw watermark markers taken: input records that give no output of their own. */
    let markers = 0;
    const sourceId = `${batch.topic}/${batch.partition}`;
    let maxTs = this.sourceMaxTs.get(sourceId) ?? -Infinity;
    const criticalSends: Promise<void>[] = [];
    const sendCritical = (): void => {
      if (critical.length === 0) return;
      const chunk = critical.splice(0);
      const stamps = criticalStamps.splice(0);
      milestones += chunk.length;
      // Latency as documented: from the input's produce time to the broker's acknowledgement.
      const sent = criticalSink.send(chunk).then(() => {
        const acked = this.o.clock.nowMs();
        for (const ts of stamps) metrics.observe('shiftstream_critical_lane_latency_ms', {}, Math.max(0, acked - ts));
      });
      criticalSends.push(observed(sent));
    };
    const orders = this.o.orders;
    const records = batch.records;
    // Pass 1 (the critical lane's pre-pass): decode, map and tag every record, and find the
    // milestones; they leave on the critical sink before any bulk work (enriched encoding) of the
    // batch. Rejects are encoded here (they are rare); enriched events wait for pass 2.
    const events: MachineEvent[] = [];
    for (let i = 0; i < records.length; i++) {
      // A very large batch (kafkajs hands whole fetches) still gets its milestones out and the
      // event loop a turn every PRE_PASS_CHUNK records.
      if (i > 0 && i % PRE_PASS_CHUNK === 0) {
        sendCritical();
        await yieldToLoop();
      }
      const rec = records[i]!;
      let verdict: MapVerdict;
      if (rec.value === null) {
        verdict = {
          ok: false,
          reason: 'malformed-record',
          detail: `value: expected an Avro record, found an empty value (tombstone)`,
        };
      } else if (isRaw) {
        const d = codecs.raw.decode(rec.value);
        if (d.ok && isWatermarkMarker(d.value)) {
          // An end-of-input marker (semantics 6.1): this partition's progress, no sample.
          const m = markerProgress(plan, d.value, ctx);
          if (m.ok) {
            markers++;
            if (m.tsMs > maxTs) maxTs = m.tsMs;
            continue;
          }
          verdict = m;
        } else verdict = d.ok ? mapSample(plan, d.value, ctx) : d;
      } else {
        const d = codecs.event.decode(rec.value);
        verdict = d.ok ? validateCanonicalEvent(plan, d.value, ctx) : d;
      }
      if (!verdict.ok) {
        rejects++;
        rejectRecord(topology, codecs, metrics, rec, verdict.reason, verdict.detail, bulk);
        continue;
      }
      let event: MachineEvent = verdict.event;
      if (orders !== undefined) event = withRunningOrder(event, orders.runningAt(event.workCenterId, event.tsMs));
      else if (event.runningOrder !== undefined || event.runningWorkOrderId !== undefined)
        event = withRunningOrder(event, null);
      if (event.tsMs > maxTs) maxTs = event.tsMs;
      const milestone = this.tracker.observe(event);
      if (milestone !== undefined) {
        critical.push({
          topic: topics.milestones,
          key: milestone.workCenterId,
          value: codecs.milestone.encode(milestone),
        });
        criticalStamps.push(rec.timestampMs);
      }
      events.push(event);
    }
    // The critical lane's send starts first, on its own sink: never queued behind the bulk send.
    sendCritical();
    // Pass 2: the bulk work, with a turn of the event loop every CHUNK records.
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && i % CHUNK === 0) await yieldToLoop();
      const event = events[i]!;
      bulk.push({ topic: topics.enriched, key: event.workCenterId, value: codecs.event.encode(event) });
    }
    // Watermark markers: this source's progress, after its events, on every enriched partition.
    if (Number.isFinite(maxTs)) {
      this.sourceMaxTs.set(sourceId, maxTs);
      const marker = codecs.event.encode({
        plantId: plan.plantId,
        machineId: '',
        workCenterId: '',
        tag: sourceId,
        tsMs: maxTs,
        kind: 'watermark',
        value: 0,
        amount: this.o.sourcePartitions,
      });
      for (let p = 0; p < this.o.enrichedPartitions; p++)
        bulk.push({ topic: topics.enriched, partition: p, key: null, value: marker });
    }
    metrics.inc('shiftstream_events_in_total', { topic: batch.topic }, batch.records.length);
    const sends: Promise<void>[] = criticalSends;
    if (bulk.length > 0) sends.push(observed(sink.send(bulk)));
    const enrichedOut = bulk.length - rejects - (Number.isFinite(maxTs) ? this.o.enrichedPartitions : 0);
    const acked = Promise.all(sends).then(() => {
      metrics.inc('shiftstream_events_out_total', { topic: topics.enriched }, enrichedOut);
      if (rejects > 0) metrics.inc('shiftstream_events_out_total', { topic: topics.rejected }, rejects);
      if (markers > 0) metrics.inc('shiftstream_watermark_markers_total', { topic: batch.topic }, markers);
      if (milestones > 0) metrics.inc('shiftstream_events_out_total', { topic: topics.milestones }, milestones);
    });
    const progress = Number.isFinite(maxTs)
      ? { source: sourceId, tsMs: maxTs, sources: this.o.sourcePartitions }
      : undefined;
    return { acked, events, progress };
  }
}
