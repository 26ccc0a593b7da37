package io.shiftstream.bench.flink;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The shiftstream benchmark topology as a Flink 2.2 DataStream job on a local mini-cluster (same JVM,
 * parallelism 2): raw Avro samples (Confluent wire format: 5-byte header, then the body, decoded with
 * Apache Avro) -> tag mapping -> keyBy(work center) -> per work center, samples re-ordered within the
 * out-of-orderness bound (applied in ts order when the watermark passes them), state intervals split
 * at minute bounds, 1-minute tumbling windows (runtime, downtime, good, scrap, samples) closed when
 * the watermark passes their end plus the grace period -> one CSV line per closed window to a topic.
 *
 * Event time as shiftstream's (shared/semantics.md section 6): a watermark per Kafka partition of
 * (highest ts - 5 s), the minimum over partitions downstream, idle partitions after 1 min; windows
 * close at end + 5 s grace. The windows live in the keyed function's state rather than in Flink's
 * window operator because a state interval's minute pieces are only known when the next state sample
 * arrives, with timestamps earlier than that sample's, and a window operator assigns by element
 * timestamp. Simplifications against shiftstream (as the Kafka Streams peer): a sample behind the
 * watermark is applied only if its window is still open (no amendments); a gap longer than the
 * silence timeout is not credited (no unknown time, no reasons, no time per state); CSV output.
 *
 * The source is bounded at the topic's end offsets at start (the pre-loaded topic), so the job ends by
 * itself: the final watermark closes every window, the sink flushes, and execute() returns.
 *
 * Usage: FlinkPeer bootstrap rawTopic outTopic groupId tagMapFile schemaFile expectedSamples stateDir
 * Prints one JSON line: ms from the first consumed sample to the last sample applied by the keyed
 * function (as the Kafka Streams peer), jobMs to the end of the job, and the process CPU time.
 */
public final class FlinkPeer {
  static final long MINUTE = 60_000L;
  static final long SILENCE_MS = 120_000L;
  static final long OUT_OF_ORDERNESS_MS = 5_000L;
  static final long GRACE_MS = 5_000L;
  static final int STATE = 0, REASON = 1, GOOD_TOTAL = 2, SCRAP_DELTA = 3, HEARTBEAT = 4, MILESTONE = 5;

  // Counters shared by the operators and main(): the mini-cluster runs in this JVM, and user classes
  // come from the application class loader (no job jar), so a static is one instance.
  static final AtomicLong CONSUMED = new AtomicLong();
  static final AtomicLong SKIPPED = new AtomicLong();
  static final AtomicLong APPLIED = new AtomicLong();
  static final AtomicLong LATE_APPLIED = new AtomicLong();
  static final AtomicLong LATE_DROPPED = new AtomicLong();
  static final AtomicLong REORDERED = new AtomicLong();
  static final AtomicLong WINDOWS = new AtomicLong();
  static final AtomicLong FIRST_NS = new AtomicLong();
  static final AtomicLong CPU_AT_FIRST_NS = new AtomicLong();
  static final AtomicLong DONE_NS = new AtomicLong();
  static final CountDownLatch DONE = new CountDownLatch(1);
  static volatile long expected;
  static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** A mapped sample, as the Kafka Streams peer's: a Flink POJO (public fields, no-arg constructor). */
  public static final class Sample {
    public String machineId;
    public String workCenterId;
    public int role;
    public long ts;
    public double value;

    public Sample() {}

    Sample(String machineId, String workCenterId, int role, long ts, double value) {
      this.machineId = machineId;
      this.workCenterId = workCenterId;
      this.role = role;
      this.ts = ts;
      this.value = value;
    }
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], rawTopic = args[1], outTopic = args[2], groupId = args[3];
    String tagMapFile = args[4], schemaFile = args[5];
    expected = Long.parseLong(args[6]);
    String stateDir = args[7];
    int parallelism = Integer.parseInt(System.getProperty("parallelism", "2"));

    Configuration conf = new Configuration();
    // Heap state (the hashmap backend, Flink's default): the whole state is ~2,000 machines and their
    // open windows, a few MB; RocksDB is for state larger than memory and costs a serialization per access.
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    // Checkpoints every 5 s (shiftstream's checkpoint interval), at-least-once (no barrier alignment),
    // to files, like shiftstream's Redis snapshots and Kafka Streams' changelogs.
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(5));
    conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.AT_LEAST_ONCE);
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, Path.of(stateDir).toUri().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);

    Properties consumerProps = new Properties();
    // Consumer fetch sizes as the Kafka Streams peer's tuned variant (StreamsPeer.java).
    consumerProps.put("fetch.min.bytes", "100000");
    consumerProps.put("max.poll.records", "2000");
    consumerProps.put("partition.discovery.interval.ms", "-1");
    KafkaSource<Sample> source = KafkaSource.<Sample>builder()
        .setBootstrapServers(bootstrap)
        .setTopics(rawTopic)
        .setGroupId(groupId)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.latest())
        .setDeserializer(new RawSampleDeserializer(tagMapFile, schemaFile))
        .setProperties(consumerProps)
        .build();
    // Watermarks per Kafka partition inside the source (split-aware), as shiftstream's per raw partition.
    WatermarkStrategy<Sample> watermarks = WatermarkStrategy
        .<Sample>forBoundedOutOfOrderness(Duration.ofMillis(OUT_OF_ORDERNESS_MS))
        .withTimestampAssigner((s, recordTs) -> s.ts)
        .withIdleness(Duration.ofMinutes(1));

    Properties producerProps = new Properties();
    // The producer settings of the Kafka Streams peer's tuned variant: batching for throughput, acks=all.
    producerProps.put("linger.ms", "100");
    producerProps.put("batch.size", "200000");
    producerProps.put("compression.type", "lz4");
    producerProps.put("acks", "all");
    KafkaSink<String> sink = KafkaSink.<String>builder()
        .setBootstrapServers(bootstrap)
        .setRecordSerializer(new CsvSerializer(outTopic))
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setKafkaProducerConfig(producerProps)
        .build();

    env.fromSource(source, watermarks, "raw samples")
        .keyBy(s -> s.workCenterId, Types.STRING)
        .process(new WorkCenterWindows(), Types.STRING)
        .name("work-center windows")
        .sinkTo(sink)
        .name("window summaries");

    long deadlineMin = Long.parseLong(System.getProperty("timeoutMin", "30"));
    JobClient job = env.executeAsync("shiftstream-bench-flink-peer");
    boolean ok = DONE.await(deadlineMin, TimeUnit.MINUTES);
    long cpuNs = OS.getProcessCpuTime();
    long jobEndNs = 0;
    if (ok) {
      // The bounded source ends the job: the final watermark closes the last windows, the sink flushes.
      JobExecutionResult result = job.getJobExecutionResult().get(deadlineMin, TimeUnit.MINUTES);
      jobEndNs = System.nanoTime();
      if (result == null) ok = false;
    } else {
      job.cancel().get(30, TimeUnit.SECONDS);
    }
    long first = FIRST_NS.get();
    System.out.println("{\"ok\":" + ok + ",\"parallelism\":" + parallelism + ",\"consumed\":" + CONSUMED.get()
        + ",\"skipped\":" + SKIPPED.get() + ",\"applied\":" + APPLIED.get() + ",\"lateApplied\":" + LATE_APPLIED.get()
        + ",\"lateDropped\":" + LATE_DROPPED.get() + ",\"reordered\":" + REORDERED.get() + ",\"windows\":" + WINDOWS.get()
        + ",\"ms\":" + (ok ? (DONE_NS.get() - first) / 1e6 : -1) + ",\"jobMs\":" + (ok ? (jobEndNs - first) / 1e6 : -1)
        + ",\"cpuMsTotal\":" + cpuNs / 1_000_000 + ",\"cpuMsMeasured\":" + (cpuNs - CPU_AT_FIRST_NS.get()) / 1_000_000
        + ",\"rssPeakKb\":" + rssKb() + "}");
    System.out.flush();
    System.exit(ok ? 0 : 1);
  }

  static void countApplied(long n) {
    if (APPLIED.addAndGet(n) + SKIPPED.get() == expected && DONE_NS.compareAndSet(0, System.nanoTime())) DONE.countDown();
  }

  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status")))
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /**
   * Per work center (the key): samples waiting for the watermark (by ts), each machine's last state
   * {category, ts, last good total}, and the open windows {runtimeMs, downtimeMs, good, scrap, samples}
   * by start. Event-time timers: one per pending ts (apply in ts order) and one per window (close).
   */
  static final class WorkCenterWindows extends KeyedProcessFunction<String, Sample, String> {
    private transient MapState<Long, List<Sample>> pending;
    private transient MapState<String, long[]> machines;
    private transient MapState<Long, long[]> windows;
    private transient TimerService timers;

    @Override
    public void open(OpenContext ctx) {
      pending = getRuntimeContext().getMapState(
          new MapStateDescriptor<>("pending", Types.LONG, Types.LIST(TypeInformation.of(Sample.class))));
      machines = getRuntimeContext().getMapState(
          new MapStateDescriptor<>("machines", Types.STRING, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
      windows = getRuntimeContext().getMapState(
          new MapStateDescriptor<>("windows", Types.LONG, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(Sample s, Context ctx, Collector<String> out) throws Exception {
      timers = ctx.timerService();
      long wm = timers.currentWatermark();
      if (s.ts <= wm) {
        // Behind the watermark: no re-ordering possible any more (shiftstream would amend closed windows).
        if (apply(s, wm)) LATE_APPLIED.incrementAndGet();
        else LATE_DROPPED.incrementAndGet();
        countApplied(1);
        return;
      }
      List<Sample> atTs = pending.get(s.ts);
      if (atTs == null) {
        atTs = new ArrayList<>(2);
        timers.registerEventTimeTimer(s.ts);
      }
      atTs.add(s);
      pending.put(s.ts, atTs);
    }

    @Override
    public void onTimer(long t, OnTimerContext ctx, Collector<String> out) throws Exception {
      timers = ctx.timerService();
      List<Sample> atTs = pending.get(t);
      if (atTs != null) {
        pending.remove(t);
        // Timers fire in ts order, so this one's event time is t: windows closing after t - 1 are open.
        for (Sample s : atTs) apply(s, t - 1);
        countApplied(atTs.size());
      }
      // Close every window whose end + grace the watermark has reached (its timer is t = end + grace).
      Iterator<Map.Entry<Long, long[]>> it = windows.iterator();
      List<Long> closed = null;
      while (it.hasNext()) {
        Map.Entry<Long, long[]> e = it.next();
        long start = e.getKey();
        if (start + MINUTE + GRACE_MS <= t) {
          long[] a = e.getValue();
          out.collect(ctx.getCurrentKey() + "," + start + "," + a[0] + "," + a[1] + "," + a[2] + "," + a[3] + "," + a[4]);
          WINDOWS.incrementAndGet();
          if (closed == null) closed = new ArrayList<>(2);
          closed.add(start);
        }
      }
      if (closed != null) for (Long start : closed) windows.remove(start);
    }

    /** Applies one sample in ts order; false when its own window had closed (close time <= closedUpTo). */
    private boolean apply(Sample s, long closedUpTo) throws Exception {
      long[] m = machines.get(s.machineId);
      if (m == null) m = new long[] {-1, Long.MIN_VALUE, -1};
      if (s.ts < m[1]) REORDERED.incrementAndGet();
      switch (s.role) {
        case STATE -> {
          if (s.ts >= m[1]) {
            if (m[0] >= 0 && m[0] != 2 && s.ts - m[1] <= SILENCE_MS) split(m[0], m[1], s.ts, closedUpTo);
            m[0] = (long) s.value;
            m[1] = s.ts;
          }
        }
        case GOOD_TOTAL -> {
          long v = (long) s.value;
          if (m[2] >= 0) add(s.ts, 2, v >= m[2] ? v - m[2] : v + 65536 - m[2], closedUpTo);
          m[2] = v;
        }
        case SCRAP_DELTA -> add(s.ts, 3, (long) s.value, closedUpTo);
        default -> { }
      }
      machines.put(s.machineId, m);
      return add(s.ts, 4, 1, closedUpTo);
    }

    /** Credits [from, to) of category cat (0 running, 1 down) to the minutes it covers. */
    private void split(long cat, long from, long to, long closedUpTo) throws Exception {
      for (long t = from; t < to;) {
        long end = Math.min(to, (Math.floorDiv(t, MINUTE) + 1) * MINUTE);
        add(t, cat == 0 ? 0 : 1, end - t, closedUpTo);
        t = end;
      }
    }

    private boolean add(long ts, int field, long amount, long closedUpTo) throws Exception {
      long start = Math.floorDiv(ts, MINUTE) * MINUTE;
      long[] w = windows.get(start);
      if (w == null) {
        if (start + MINUTE + GRACE_MS <= closedUpTo) return false; // closed already: the piece is lost, as in Kafka Streams
        w = new long[5];
        windows.put(start, w);
        // Timers belong to the key of the element or timer being handled: this work center.
        timers.registerEventTimeTimer(start + MINUTE + GRACE_MS);
      }
      w[field] += amount;
      return true;
    }

  }

  /** Confluent wire format (magic 0, 4-byte schema id) then the Avro body, decoded with the writer schema file. */
  static final class RawSampleDeserializer implements KafkaRecordDeserializationSchema<Sample> {
    private final String tagMapFile;
    private final String schemaFile;
    private transient Map<String, TagInfo> tags;
    private transient GenericDatumReader<GenericRecord> reader;
    private transient BinaryDecoder decoder;

    RawSampleDeserializer(String tagMapFile, String schemaFile) {
      this.tagMapFile = tagMapFile;
      this.schemaFile = schemaFile;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
      tags = loadTags(Path.of(tagMapFile));
      reader = new GenericDatumReader<>(new Schema.Parser().parse(Files.readString(Path.of(schemaFile))));
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Sample> out) {
      if (CONSUMED.getAndIncrement() == 0 && FIRST_NS.compareAndSet(0, System.nanoTime()))
        CPU_AT_FIRST_NS.set(OS.getProcessCpuTime());
      byte[] b = record.value();
      Sample s = null;
      if (b != null && b.length >= 5 && b[0] == 0) {
        try {
          decoder = DecoderFactory.get().binaryDecoder(b, 5, b.length - 5, decoder);
          GenericRecord r = reader.read(null, decoder);
          TagInfo t = tags.get(r.get("tag").toString());
          if (t != null && "good".equals(r.get("quality").toString())) {
            Object v = r.get("value");
            double num;
            if (t.role == STATE) {
              Integer cat = t.states.get(
                  v instanceof Double dv && dv == Math.rint(dv) ? Long.toString(dv.longValue()) : String.valueOf(v));
              num = cat == null ? Double.NaN : cat;
            } else num = v instanceof Double dv ? dv : 0;
            if (!Double.isNaN(num)) s = new Sample(t.machineId, t.workCenterId, t.role, (Long) r.get("ts"), num);
          }
        } catch (IOException | RuntimeException e) {
          // a malformed record: dropped, as a hand-written job would
        }
      }
      if (s != null) out.collect(s);
      else if (SKIPPED.incrementAndGet() + APPLIED.get() == expected && DONE_NS.compareAndSet(0, System.nanoTime()))
        DONE.countDown();
    }

    @Override
    public TypeInformation<Sample> getProducedType() {
      return TypeInformation.of(Sample.class);
    }
  }

  /** Key = work center (the CSV's first field), value = the CSV line. */
  static final class CsvSerializer implements KafkaRecordSerializationSchema<String> {
    private final String topic;

    CsvSerializer(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(String line, KafkaSinkContext context, Long timestamp) {
      return new ProducerRecord<>(topic, null, timestamp, line.substring(0, line.indexOf(',')).getBytes(StandardCharsets.UTF_8),
          line.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {}
  }

  record TagInfo(String machineId, String workCenterId, int role, Map<String, Integer> states) {}

  /** Tag map lines (bench/lib/data.mjs): tag \t role \t machineId \t workCenterId \t value=category,... */
  static Map<String, TagInfo> loadTags(Path file) throws IOException {
    Map<String, TagInfo> out = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) continue;
      String[] f = line.split("\t", -1);
      Map<String, Integer> states = new HashMap<>();
      if (!f[4].isEmpty()) for (String kv : f[4].split(",")) {
        String[] p = kv.split("=");
        states.put(p[0], Integer.parseInt(p[1]));
      }
      out.put(f[0], new TagInfo(f[2], f[3], Integer.parseInt(f[1]), states));
    }
    return out;
  }
}
