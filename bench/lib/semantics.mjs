// What each row of the throughput benchmark computes and what it leaves out, on the benchmark's topology
// (1-minute tumbling windows per work center, one machine per work center, --clean data). Written into
// every row of the results JSON and rendered as the table of bench/RESULTS.md, so a figure is never read
// without the work behind it. Facts of the code of each row: lib/pipeline-child.mjs (shiftstream),
// peers/src/.../StreamsPeer.java, peers/flink/src/.../FlinkPeer.java, peers/naive-kafkajs.mjs,
// pass-through.mjs, raw-consumer.mjs.

/** The features compared, in the order of the table's columns. */
export const FEATURES = {
  windows: 'per work center and minute: runtime, downtime, good, scrap, samples',
  reorder: 'samples re-ordered within the 5 s out-of-orderness bound',
  alignment: 'watermark = minimum over raw partitions (a fast partition does not make others late)',
  finalOnce: 'one final result per window, at end + 5 s grace',
  unknownTime: 'unknown time after a 2 min silence',
  perState: 'time per state, downtime reasons, state changes, OEE ratios',
  lateAmend: 'late samples amend closed windows (revisions)',
  shifts: 'shift summaries with a DST-aware calendar',
  enriched: 'every sample re-published (Avro) on an enriched topic',
  milestones: 'critical lane: milestones topic',
  rejects: 'bad samples validated and dead-lettered',
  checkpoints: 'state checkpoints and output guarantee',
  output: 'output format',
};

const none = 'no';

/** @type {Record<string, { label: string, computes: Record<keyof typeof FEATURES, string> }>} */
export const ROWS = {
  shiftstream: {
    label: 'shiftstream run (both clients)',
    computes: {
      windows: 'yes',
      reorder: 'yes (per machine, in ts order)',
      alignment: 'yes (in-band markers from every raw partition)',
      finalOnce: 'yes (revision 1)',
      unknownTime: 'yes',
      perState: 'yes',
      lateAmend: 'yes (1 h horizon here)',
      shifts: 'supported, not in this topology (only the 1-minute window)',
      enriched: 'yes (the second hop: every sample consumed twice, produced once)',
      milestones: 'yes',
      rejects: 'yes',
      checkpoints: 'Redis snapshots every 5 s with offsets; at-least-once, deterministic revisions',
      output: 'Avro (registry)',
    },
  },
  kafkaStreamsTuned: {
    label: 'Kafka Streams 4.4 (all three configurations)',
    computes: {
      windows: "yes, from the samples that reach the window within the grace of the task's stream time",
      reorder: 'no (an older state sample is ignored)',
      alignment: 'no (stream time per task: highest ts from any raw partition; slower partitions turn late)',
      finalOnce: 'yes (suppress untilWindowCloses)',
      unknownTime: 'no (a silence is not credited)',
      perState: none,
      lateAmend: 'no (dropped by the window store)',
      shifts: none,
      enriched: 'repartition topic by work center (internal, every sample, binary)',
      milestones: none,
      rejects: 'no (a malformed record is skipped)',
      checkpoints: 'changelogs (RocksDB, cached) + offsets every 5 s; at-least-once',
      output: 'CSV',
    },
  },
  flink: {
    label: 'Flink 2.2 mini-cluster, parallelism 2',
    computes: {
      windows: 'yes',
      reorder: 'yes (event-time timers per ts, per work center)',
      alignment: 'yes (per-partition watermarks in the source)',
      finalOnce: 'yes (event-time timer at end + grace)',
      unknownTime: 'no (a silence is not credited)',
      perState: none,
      lateAmend: 'no (applied if its window is open, else dropped)',
      shifts: none,
      enriched: 'keyBy network shuffle inside the JVM (every sample, Flink serializer)',
      milestones: none,
      rejects: 'no (a malformed record is skipped)',
      checkpoints: 'heap state, checkpoints to files every 5 s (at-least-once mode); sink at-least-once',
      output: 'CSV',
    },
  },
  naiveKafkaJs: {
    label: 'naive kafkajs eachMessage',
    computes: {
      windows: 'yes, but wrong: a window closed on one partition is re-opened by another (duplicates)',
      reorder: 'no (an older state sample is ignored)',
      alignment: 'no (highest ts over all partitions of one process)',
      finalOnce: 'no (re-opened windows are emitted again)',
      unknownTime: none,
      perState: none,
      lateAmend: none,
      shifts: none,
      enriched: 'no (one process reads all partitions)',
      milestones: none,
      rejects: none,
      checkpoints: 'none (state lost on restart); auto-commit',
      output: 'JSON',
    },
  },
};

/** The ceilings compute nothing: what they do instead. */
export const CEILINGS = {
  bare: 'consume only: no decode, no work, no output',
  passThrough:
    'consume + produce every record as it came (key and value bytes) to another topic: idempotent producer, ' +
    'acks=all, batched, input offsets committed behind acknowledged records; no decode',
};

export const computesOf = (key) => ({ label: ROWS[key].label, computes: ROWS[key].computes });
