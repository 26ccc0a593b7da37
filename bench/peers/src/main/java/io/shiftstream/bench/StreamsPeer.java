package io.shiftstream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The shiftstream benchmark topology written as a Kafka Streams application: raw Avro samples
 * (Confluent wire format, key = tag) -> tag mapping -> repartition by work center -> per-machine
 * state intervals split at minute bounds -> 1-minute tumbling windows per work center (runtime,
 * downtime, good, scrap, samples) -> final results (suppress until the window closes) to a topic.
 *
 * Simplifications against shiftstream, all in the peer's favour: state samples older than the
 * machine's last one are ignored instead of re-ordered; a gap longer than the silence timeout is
 * simply not credited (no "unknown" time, no reasons, no time per state); no late amendments;
 * summaries are CSV text, not Avro.
 *
 * Two configurations (-Dvariant): "tuned", as the Kafka Streams docs advise (the machine-state store
 * cached, batching and compression for throughput; every setting and its reason in bench/README.md), and
 * "untuned", the configuration of the earlier runs (the store uncached: a RocksDB put and a changelog
 * record per sample).
 *
 * Usage: StreamsPeer <bootstrap> <rawTopic> <outTopic> <appId> <tagMapFile> <schemaFile> <expectedSamples> <stateDir>
 * Prints one JSON line with the elapsed time from the first consumed sample to the last sample
 * applied to the window stage, the process CPU time and the effective settings, then exits.
 */
public final class StreamsPeer {
  static final long MINUTE = 60_000L;
  static final long SILENCE_MS = 120_000L;

  /** role codes of the tag map */
  static final int STATE = 0, REASON = 1, GOOD_TOTAL = 2, SCRAP_DELTA = 3, HEARTBEAT = 4, MILESTONE = 5;

  record TagInfo(String machineId, String workCenterId, int role, long rolloverAt, Map<String, Integer> states) {}

  /** Sample on the repartition topic: machine, role, ts, numeric value or state category. */
  record Sample(String machineId, int role, long ts, double value) {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], rawTopic = args[1], outTopic = args[2], appId = args[3];
    Map<String, TagInfo> tags = loadTags(Path.of(args[4]));
    Schema schema = new Schema.Parser().parse(Files.readString(Path.of(args[5])));
    long expected = Long.parseLong(args[6]);
    String stateDir = args[7];

    AtomicLong consumed = new AtomicLong();
    AtomicLong applied = new AtomicLong();
    AtomicLong firstNs = new AtomicLong();
    AtomicLong cpuAtFirstNs = new AtomicLong();
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    CountDownLatch done = new CountDownLatch(1);
    long[] doneNs = new long[1];

    StreamsBuilder builder = new StreamsBuilder();
    ThreadLocal<GenericDatumReader<GenericRecord>> readers = ThreadLocal.withInitial(() -> new GenericDatumReader<>(schema));
    ThreadLocal<BinaryDecoder[]> decoders = ThreadLocal.withInitial(() -> new BinaryDecoder[1]);
    Serde<Sample> sampleSerde = Serdes.serdeFrom(new SampleSerializer(), new SampleDeserializer());
    Serde<long[]> aggSerde = Serdes.serdeFrom(new AggSerializer(), new AggDeserializer());

    boolean tuned = "tuned".equals(System.getProperty("variant", "untuned"));
    // Grace 5 s: shiftstream's. Kafka Streams has no watermark alignment: after the repartition a task's
    // stream time is the highest ts from any raw partition, so while raw partitions are read at different
    // paces (a backfill) the slower ones' samples arrive past the grace and are dropped. -DgraceMs widens it.
    long graceMs = Long.getLong("graceMs", 5_000L);
    StoreBuilder<KeyValueStore<String, long[]>> machineState =
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("machine-state"), Serdes.String(), aggSerde);
    // Tuned: the record cache in front of the store (memory-mgmt page, "Record caches in the Processor API":
    // off by default for stores built with Stores). Per machine, puts then reach RocksDB and the changelog
    // once per commit or eviction instead of once per sample.
    builder.addStateStore(tuned ? machineState.withCachingEnabled() : machineState);
    builder.stream(rawTopic, Consumed.with(Serdes.Bytes(), Serdes.Bytes()))
        .flatMap((Bytes key, Bytes value) -> {
          if (consumed.getAndIncrement() == 0) {
            firstNs.set(System.nanoTime());
            cpuAtFirstNs.set(os.getProcessCpuTime());
          }
          List<KeyValue<String, Sample>> out = new ArrayList<>(1);
          byte[] b = value == null ? null : value.get();
          if (b == null || b.length < 5 || b[0] != 0) return out;
          try {
            BinaryDecoder[] d = decoders.get();
            d[0] = DecoderFactory.get().binaryDecoder(b, 5, b.length - 5, d[0]);
            GenericRecord r = readers.get().read(null, d[0]);
            TagInfo t = tags.get(r.get("tag").toString());
            if (t == null || !"good".equals(r.get("quality").toString())) return out;
            long ts = (Long) r.get("ts");
            Object v = r.get("value");
            double num;
            if (t.role == STATE) {
              Integer cat = t.states.get(v instanceof Double dv && dv == Math.rint(dv) ? Long.toString(dv.longValue()) : v.toString());
              if (cat == null) return out;
              num = cat;
            } else num = v instanceof Double dv ? dv : 0;
            out.add(KeyValue.pair(t.workCenterId, new Sample(t.machineId, t.role, ts, num)));
          } catch (IOException | RuntimeException e) {
            // a malformed record: dropped, as a hand-written app would
          }
          return out;
        })
        .repartition(Repartitioned.with(Serdes.String(), sampleSerde).withName("by-work-center"))
        .processValues(() -> new IntervalSplitter(applied, expected, done, doneNs), "machine-state")
        .groupByKey(Grouped.with(Serdes.String(), aggSerde))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ofMillis(graceMs)))
        .reduce(StreamsPeer::sum, Materialized.<String, long[], WindowStore<Bytes, byte[]>>with(Serdes.String(), aggSerde)
            .withCachingEnabled()) // the DSL's default, stated: the windows are cached in both variants
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .map((wk, a) -> KeyValue.pair(wk.key(), (wk.key() + "," + wk.window().start() + "," + a[0] + "," + a[1] + "," + a[2] + "," + a[3] + "," + a[4]).getBytes(StandardCharsets.UTF_8)))
        .to(outTopic, Produced.with(Serdes.String(), Serdes.ByteArray()));

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(System.getProperty("threads", "2")));
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 5_000);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    if (tuned) {
      // Every setting and its reason: bench/README.md, "Kafka Streams, tuned". In short: one stream thread
      // per core; commit every 5 s (shiftstream's checkpoint interval); a cache that holds all the state
      // (2,000 machines + their open windows are ~2-3 MB with the cache's per-entry overhead), so it only
      // flushes on commit; the DSL optimizer; producers batched and compressed for throughput (the
      // repartition topic carries every sample); fetches of at least ~100 KB.
      p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 32L * 1024 * 1024);
      p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
      p.put(StreamsConfig.consumerPrefix("max.poll.records"), 2000);
      p.put(StreamsConfig.consumerPrefix("fetch.min.bytes"), 100_000);
      p.put(StreamsConfig.producerPrefix("linger.ms"), 100);
      p.put(StreamsConfig.producerPrefix("batch.size"), 200_000);
      p.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
      p.put(StreamsConfig.producerPrefix("acks"), "all");
    } else {
      // The configuration of the earlier runs (issue 12's "Where it stands"): 64 MiB of record cache, but
      // the machine-state store uncached (a RocksDB put and a changelog record per sample); linger 10 ms.
      p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
      p.put(StreamsConfig.consumerPrefix("max.poll.records"), 2000);
      p.put(StreamsConfig.consumerPrefix("fetch.min.bytes"), 65536);
      p.put(StreamsConfig.producerPrefix("linger.ms"), 10);
      p.put(StreamsConfig.producerPrefix("batch.size"), 262144);
      p.put(StreamsConfig.producerPrefix("compression.type"), "none");
    }
    StringBuilder config = new StringBuilder("{\"variant\":\"" + (tuned ? "tuned" : "untuned") + "\",\"machineStateCaching\":" + tuned
        + ",\"graceMs\":" + graceMs);
    p.keySet().stream().map(String::valueOf).sorted().filter(k -> !k.equals(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)
        && !k.equals(StreamsConfig.STATE_DIR_CONFIG) && !k.equals(StreamsConfig.APPLICATION_ID_CONFIG))
        .forEach(k -> config.append(",\"").append(k).append("\":\"").append(p.get(k)).append('"'));
    config.append('}');

    // builder.build(p): the optimizer only applies when the properties are given to the build.
    KafkaStreams streams = new KafkaStreams(builder.build(p), p);
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("streams: " + e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    if (Boolean.getBoolean("progress")) {
      // -Dprogress=true: consumed and applied counts every second on stderr (where does the time go?).
      Thread t = new Thread(() -> {
        long t0 = System.nanoTime();
        try {
          while (done.getCount() > 0) {
            Thread.sleep(1000);
            System.err.println("progress " + (System.nanoTime() - t0) / 1_000_000 + " ms consumed " + consumed.get()
                + " applied " + applied.get() + " state " + streams.state());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.setDaemon(true);
      t.start();
    }
    long deadlineMin = Long.parseLong(System.getProperty("timeoutMin", "30"));
    boolean ok = done.await(deadlineMin, TimeUnit.MINUTES);
    long cpuNs = os.getProcessCpuTime();
    double ms = (doneNs[0] - firstNs.get()) / 1e6;
    long rssKb = rssKb();
    System.out.println("{\"ok\":" + ok + ",\"consumed\":" + consumed.get() + ",\"applied\":" + applied.get() + ",\"ms\":" + (ok ? ms : -1)
        + ",\"cpuMsTotal\":" + cpuNs / 1_000_000 + ",\"cpuMsMeasured\":" + (cpuNs - cpuAtFirstNs.get()) / 1_000_000 + ",\"rssPeakKb\":" + rssKb + ",\"config\":" + config + "}");
    System.out.flush();
    streams.close(Duration.ofSeconds(10));
    System.exit(ok ? 0 : 1);
  }

  static long[] sum(long[] a, long[] b) {
    return new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]};
  }

  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** Per machine: {category of the last state, its ts, last good total, -, -}; forwards {runtimeMs, downtimeMs, good, scrap, samples} per minute. */
  static final class IntervalSplitter implements FixedKeyProcessor<String, Sample, long[]> {
    private final AtomicLong applied;
    private final long expected;
    private final CountDownLatch done;
    private final long[] doneNs;
    private FixedKeyProcessorContext<String, long[]> ctx;
    private KeyValueStore<String, long[]> store;

    IntervalSplitter(AtomicLong applied, long expected, CountDownLatch done, long[] doneNs) {
      this.applied = applied;
      this.expected = expected;
      this.done = done;
      this.doneNs = doneNs;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, long[]> context) {
      ctx = context;
      store = context.getStateStore("machine-state");
    }

    @Override
    public void process(FixedKeyRecord<String, Sample> rec) {
      Sample s = rec.value();
      long[] m = store.get(s.machineId());
      if (m == null) m = new long[] {-1, Long.MIN_VALUE, -1, 0, 0};
      long good = 0, scrap = 0;
      switch (s.role()) {
        case STATE -> {
          if (s.ts() >= m[1]) {
            if (m[0] >= 0 && s.ts() - m[1] <= SILENCE_MS) split(rec, m[0], m[1], s.ts());
            m[0] = (long) s.value();
            m[1] = s.ts();
          }
        }
        case GOOD_TOTAL -> {
          long v = (long) s.value();
          if (m[2] >= 0) good = v >= m[2] ? v - m[2] : v + 65536 - m[2];
          m[2] = v;
        }
        case SCRAP_DELTA -> scrap = (long) s.value();
        default -> { }
      }
      store.put(s.machineId(), m);
      ctx.forward(rec.withValue(new long[] {0, 0, good, scrap, 1}).withTimestamp(s.ts()));
      if (applied.incrementAndGet() == expected) {
        doneNs[0] = System.nanoTime();
        done.countDown();
      }
    }

    /** Credits [from, to) of category cat (0 running, 1 down, 2 other) per minute. */
    private void split(FixedKeyRecord<String, Sample> rec, long cat, long from, long to) {
      if (cat == 2) return;
      long t = from;
      while (t < to) {
        long end = Math.min(to, (Math.floorDiv(t, MINUTE) + 1) * MINUTE);
        long d = end - t;
        ctx.forward(rec.withValue(cat == 0 ? new long[] {d, 0, 0, 0, 0} : new long[] {0, d, 0, 0, 0}).withTimestamp(t));
        t = end;
      }
    }
  }

  /** Tag map lines: tag \t role \t machineId \t workCenterId \t states (value=cat,...; cat 0 running, 1 down, 2 other). */
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
      out.put(f[0], new TagInfo(f[2], f[3], Integer.parseInt(f[1]), 65536, states));
    }
    return out;
  }

  static final class SampleSerializer implements Serializer<Sample> {
    @Override
    public byte[] serialize(String topic, Sample s) {
      byte[] m = s.machineId().getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(1 + m.length + 4 + 8 + 8).put((byte) m.length).put(m).putInt(s.role()).putLong(s.ts()).putDouble(s.value()).array();
    }
  }

  static final class SampleDeserializer implements Deserializer<Sample> {
    @Override
    public Sample deserialize(String topic, byte[] b) {
      ByteBuffer bb = ByteBuffer.wrap(b);
      byte[] m = new byte[bb.get()];
      bb.get(m);
      return new Sample(new String(m, StandardCharsets.UTF_8), bb.getInt(), bb.getLong(), bb.getDouble());
    }
  }

  static final class AggSerializer implements Serializer<long[]> {
    @Override
    public byte[] serialize(String topic, long[] a) {
      ByteBuffer bb = ByteBuffer.allocate(8 * a.length);
      for (long v : a) bb.putLong(v);
      return bb.array();
    }
  }

  static final class AggDeserializer implements Deserializer<long[]> {
    @Override
    public long[] deserialize(String topic, byte[] b) {
      ByteBuffer bb = ByteBuffer.wrap(b);
      long[] a = new long[b.length / 8];
      for (int i = 0; i < a.length; i++) a[i] = bb.getLong();
      return a;
    }
  }
}
