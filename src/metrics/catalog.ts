// Every metric of the pipeline, declared once: name, type, help, label names and buckets. The
// Prometheus implementation registers exactly these; docs/observability.md documents them; a test
// keeps the two in step. Label names use the project's id spelling (conventions).
//
// Units: durations inside the pipeline are integer milliseconds, so the two latency histograms are
// in milliseconds (`_ms`), with buckets chosen for their targets (critical lane p99 <= 25 ms).
// Only the window-close lag is in seconds: it spans seconds to hours.

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets?: readonly number[];
}

/** Bucket bounds of the critical-lane latency, milliseconds (produce timestamp -> milestone sent). */
export const CRITICAL_LATENCY_BUCKETS_MS = [1, 2, 5, 10, 15, 25, 50, 100, 250, 500, 1000] as const;
/** Bucket bounds of one checkpoint (snapshot + offset written to Redis), milliseconds. */
export const CHECKPOINT_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;
/** Bucket bounds of the window-close lag, seconds. */
export const WINDOW_CLOSE_LAG_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 14_400] as const;

export const METRICS = {
  shiftstream_events_in_total: {
    type: 'counter',
    help: 'Records consumed, per input topic (raw samples and canonical machine events).',
    labelNames: ['topic'],
  },
  shiftstream_events_out_total: {
    type: 'counter',
    help: 'Records produced, per output topic (enriched, milestones, window and shift summaries, rejects, late).',
    labelNames: ['topic'],
  },
  shiftstream_rejects_total: {
    type: 'counter',
    help: 'Samples rejected and dead-lettered, per reason (e.g. unknown-tag, bad-quality, malformed-avro).',
    labelNames: ['reason'],
  },
  shiftstream_watermark_markers_total: {
    type: 'counter',
    help: 'End-of-input watermark markers taken from the raw topic (semantics 6.1): progress, no sample.',
    labelNames: ['topic'],
  },
  shiftstream_duplicates_total: {
    type: 'counter',
    help: 'Exact duplicate samples (same tag, ts and value) applied only once.',
    labelNames: [],
  },
  shiftstream_late_samples_total: {
    type: 'counter',
    help:
      'Samples for an already closed window, per lateness bucket (under_1m, ' +
      'under_15m, under_1h, under_48h, beyond_48h) and whether they amended a result.',
    labelNames: ['bucket', 'amended'],
  },
  shiftstream_summaries_total: {
    type: 'counter',
    help:
      'Window and shift summaries emitted, per window name and kind ' +
      '(final = revision 1, amendment = revision > 1, early = partial).',
    labelNames: ['window', 'kind'],
  },
  shiftstream_watermark_lag_seconds: {
    type: 'gauge',
    help:
      'Wall clock minus the watermark of an input partition, ' +
      'seconds. Grows when a partition falls behind or is idle.',
    labelNames: ['topic', 'partition'],
  },
  shiftstream_window_close_lag_seconds: {
    type: 'histogram',
    help:
      'Wall clock at the emission of a final result minus the end ' +
      'of its window, seconds (includes out-of-orderness and grace).',
    labelNames: ['window'],
    buckets: WINDOW_CLOSE_LAG_BUCKETS_S,
  },
  shiftstream_critical_lane_latency_ms: {
    type: 'histogram',
    help: 'Milliseconds from the input record timestamp (produce time) to the milestone acknowledged by the broker.',
    labelNames: [],
    buckets: CRITICAL_LATENCY_BUCKETS_MS,
  },
  shiftstream_consumer_lag: {
    type: 'gauge',
    help: 'Records between the committed/processed offset and the high watermark, per input partition.',
    labelNames: ['topic', 'partition'],
  },
  shiftstream_checkpoint_duration_ms: {
    type: 'histogram',
    help: 'Milliseconds to write one partition checkpoint (core snapshot and input offset) to the state store.',
    labelNames: [],
    buckets: CHECKPOINT_BUCKETS_MS,
  },
  shiftstream_checkpoints_total: {
    type: 'counter',
    help:
      'Checkpoints written, per outcome (ok; commit_failed: the Redis ' +
      'checkpoint was written but the Kafka offset commit failed and is retried; chain_replaced: ' +
      'another process wrote the partition checkpoint since, so a whole base is written instead of a delta).',
    labelNames: ['outcome'],
  },
  shiftstream_checkpoint_bytes_total: {
    type: 'counter',
    help: 'Bytes of checkpoints written to the state store, per kind (base: whole state; delta: what changed).',
    labelNames: ['kind'],
  },
  shiftstream_orders_records_total: {
    type: 'counter',
    help:
      'Records of the orders topic read by run with order tagging, per outcome ' +
      '(applied, tombstone, ignored = work center outside the topology, bad ' +
      '= not a version-1 OrdersSnapshot of the plant: logged and skipped).',
    labelNames: ['outcome'],
  },
  shiftstream_odoo_records_total: {
    type: 'counter',
    help:
      'Productivity records sent to Odoo, per outcome (posted, ' +
      'skipped = already posted per idempotency key, failed).',
    labelNames: ['outcome'],
  },
  shiftstream_odoo_calls_total: {
    type: 'counter',
    help: 'Odoo calls, per method (e.g. create, search_read, unlink) and outcome (ok, failed).',
    labelNames: ['method', 'outcome'],
  },
  shiftstream_odoo_failures_total: {
    type: 'counter',
    help: 'Failed Odoo calls, per error code (SHIFTSTREAM_ODOO_...).',
    labelNames: ['code'],
  },
  shiftstream_odoo_breaker_state: {
    type: 'gauge',
    help: 'State of the Odoo circuit breaker: 0 closed, 1 half-open, 2 open.',
    labelNames: [],
  },
  shiftstream_ingest_samples_in_total: {
    type: 'counter',
    help: 'Records read by `ingest`, per input (file:<name>, mqtt, sparkplug), rejects included.',
    labelNames: ['input'],
  },
  shiftstream_ingest_samples_out_total: {
    type: 'counter',
    help: 'Raw samples `ingest` committed to the raw topic, per input.',
    labelNames: ['input'],
  },
  shiftstream_ingest_rejects_total: {
    type: 'counter',
    help: 'Records `ingest` rejected, per input and reason (malformed-json, invalid-ts, unknown-tag, ...).',
    labelNames: ['input', 'reason'],
  },
  shiftstream_ingest_spool_depth: {
    type: 'gauge',
    help: 'Samples in the ingest spool not yet acknowledged by Kafka.',
    labelNames: [],
  },
  shiftstream_ingest_spool_bytes: { type: 'gauge', help: 'Bytes of the ingest spool on disk.', labelNames: [] },
  shiftstream_ingest_spool_oldest_age_seconds: {
    type: 'gauge',
    help: 'Age of the oldest unacknowledged sample in the spool (0 when empty).',
    labelNames: [],
  },
  shiftstream_ingest_spool_dropped_total: {
    type: 'counter',
    help: 'Spooled samples dropped at a bound (max-bytes, max-age) before Kafka acknowledged them.',
    labelNames: ['reason'],
  },
  shiftstream_ingest_drain_rate: {
    type: 'gauge',
    help: 'Samples per second sent from the spool to Kafka (last second).',
    labelNames: [],
  },
  shiftstream_ingest_mqtt_connected: {
    type: 'gauge',
    help: 'MQTT connection state of ingest: 1 connected, 0 not.',
    labelNames: [],
  },
  shiftstream_ingest_sparkplug_rebirths_total: {
    type: 'counter',
    help: 'Sparkplug rebirth requests (NCMD Node Control/Rebirth) ingest published, per reason.',
    labelNames: ['reason'],
  },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;
type NamesOfType<T extends MetricType> = {
  [K in MetricName]: (typeof METRICS)[K]['type'] extends T ? K : never;
}[MetricName];
export type CounterName = NamesOfType<'counter'>;
export type GaugeName = NamesOfType<'gauge'>;
export type HistogramName = NamesOfType<'histogram'>;

/** The label names each metric takes, as a type: `LabelsOf<'shiftstream_rejects_total'>` = `{ reason: string }`. */
export type LabelsOf<N extends MetricName> = { readonly [L in (typeof METRICS)[N]['labelNames'][number]]: string };

/** Values of the lateness buckets of `shiftstream_late_samples_total`. */
export const LATENESS_BUCKETS = ['under_1m', 'under_15m', 'under_1h', 'under_48h', 'beyond_48h'] as const;
export type LatenessBucket = (typeof LATENESS_BUCKETS)[number];

/** The bucket of a lateness (milliseconds behind the watermark). Bounds are exclusive: 60 000 ms is `under_15m`. */
export function latenessBucket(latenessMs: number): LatenessBucket {
  if (latenessMs < 60_000) return 'under_1m';
  if (latenessMs < 900_000) return 'under_15m';
  if (latenessMs < 3_600_000) return 'under_1h';
  if (latenessMs < 172_800_000) return 'under_48h';
  return 'beyond_48h';
}

/** Gauge values of `shiftstream_odoo_breaker_state`. */
export const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
