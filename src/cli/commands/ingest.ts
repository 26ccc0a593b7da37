// `shiftstream ingest`: historian exports into the plant's raw topic (Avro, Confluent wire
// format, key = tag), exactly once across restarts (docs/ingest.md).
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, splitConfigArgs } from '../../config/index.js';
import type { Config } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { createReadiness, startHttpServer } from '../../http/index.js';
import { runFileIngest } from '../../ingest/file-ingest.js';
import { createRegistryCodecs, topologySchemaTopics } from '../../io/avro/codecs.js';
import { createRegistryClient } from '../../io/avro/registry-client.js';
import { ensureTopics } from '../../io/kafka/admin.js';
import { createKafkaIngestSink } from '../../io/kafka/kafkajs-ingest-sink.js';
import { createLogger } from '../../logging/index.js';
import { createPromMetrics } from '../../metrics/index.js';
import { INPUT_FORMATS, type InputFormat } from '../../replay/input.js';
import { loadTopology } from '../../topology/index.js';
import { DEFAULT_DRAIN_SHARE } from '../../topology/ingest-section.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';
import { runMqttIngestCommand } from '../ingest-mqtt.js';

const HELP = `Usage: shiftstream ingest --topology <file> --input <file> [options] [config flags]
       shiftstream ingest --topology <file> [--mqtt-url <url>] [--spool <dir>] [options] [config flags]

Writes a historian export (NDJSON or CSV, optionally gzipped) to the plant's raw topic as raw
samples (Avro, Confluent wire format, key = tag), through the same reader and the same rejects
as 'replay'. Exactly once: each batch of lines is one Kafka transaction that also commits the
input's position, so a restart with the same input (after a crash, kill -9 or Ctrl-C) resumes
after the last committed line and writes nothing twice (docs/ingest.md). The last transaction
ends every raw partition with an end-of-input watermark marker (tag $shiftstream.watermark, the
file's highest event time), so 'run --event-time-only' closes what 'replay' closes for the file,
also where no tag of the file hashes to a partition (docs/semantics.md section 6.1).

Without --input it subscribes to the MQTT broker of the topology's ingest.mqtt section (JSON
payloads; topic filters map to tags), appends each sample to a local spool (fsync'd) before it
acknowledges the message (QoS 1), and drains the spool in order into the raw topic, also while
and after Kafka is unreachable. The spool's position is committed with each Kafka transaction,
so a kill -9 loses nothing acknowledged and sends nothing twice (docs/ingest.md).

With ingest.mqtt.sparkplug it also reads Sparkplug B (spBv1.0) from the same broker: births name
the metrics and their aliases (kept in the spool directory across restarts), NDATA/DDATA become
samples with the metrics' own timestamps, a seq gap or an unknown alias asks the edge node for a
rebirth (NCMD Node Control/Rebirth), and NDEATH/DDEATH write ingest.mqtt.sparkplug.deathValue to
the dead device's state tags (docs/semantics.md section 3). A DataSet metric gives one sample
per cell, tag <metric>/<column> (several rows: ingest.mqtt.sparkplug.datasets names the
timestamp column). Rejects (sparkplug-decode, unknown-alias, unsupported-datatype,
dataset-shape, null-cell, unknown-tag, ts-out-of-range, ...) go to --rejects.

Options:
  --topology <file>     plant topology (topologies/<plant>.yaml)                       required
  --input <file>        export: .ndjson/.jsonl/.json or .csv, optionally .gz (else: MQTT)
  --mqtt-url <url>      MQTT broker, overrides ingest.mqtt.url (mqtt://host:1883)
  --spool <dir>         spool directory, overrides ingest.spool.dir (default spool/<plantId>)
  --format <f>          ndjson or csv: overrides the file name (default: by name, else the first line)
  --rejects <file>      rejects, one JSON object each: {line, reason, detail, raw} (files),
                        {atMs, topic, reason, detail, raw or rawBase64} (MQTT, Sparkplug)
                                                                  default ./rejected.ndjson
  --input-id <id>       the name the position is kept under (default: the input's absolute path)
  --restart             the file changed since its recorded position: ingest it from the start
  --batch <n>           lines (MQTT: spooled samples) per transaction  default 10000 (MQTT 5000)
  --drain-share <f>     MQTT: share of capacity (0..1] a drain after an outage uses,
                        overrides ingest.spool.drainShare                           default 0.8
  --partitions <n>      partitions of the raw topic if it is created                  default 4
  --show-rejects <n>    rejected lines detailed on stderr                            default 20
  --no-progress         no progress line (it is only drawn when stderr is a terminal anyway)
  --log-level <level>   fatal, error, warn, info (default), debug, trace, silent
  --config <file>       a YAML or JSON configuration file
  --<section>.<key>     any configuration key, e.g. --kafka.brokers=host:9092 --http.port=0
  -h, --help            this text

Consumers of the raw topic must read committed records (kafkajs and librdkafka do by default):
a transaction cut short by a crash is aborted, and its records are never delivered to them.
/metrics, /healthz and /readyz are served on http.port while it runs. From MQTT, /readyz is
ready once the registry answered, the spool is open and below 90 % of ingest.spool.maxBytes and
the broker connection holds; its kafka check says whether Kafka takes the samples or they are
spooled (an outage alone does not make ingest unready: it keeps taking samples durably).

Examples:
  shiftstream ingest --topology topologies/stamping-berlin.yaml --input export.csv.gz
  shiftstream ingest --topology topologies/stamping-berlin.yaml --input march.ndjson --rejects out/march-rejects.ndjson
  shiftstream ingest --topology topologies/stamping-berlin.yaml --mqtt-url mqtt://edge-broker:1883 --spool /var/lib/shiftstream/spool

Exit codes: 0 done (rejected lines included), 2 bad flags or unreadable input, 3 invalid topology,
4 Kafka or the registry failed (a restart resumes), 130 interrupted (a restart resumes).
`;

interface IngestArgs {
  readonly topology: string;
  /** undefined: from MQTT (the topology's ingest.mqtt). */
  readonly input: string | undefined;
  readonly mqttUrl: string | undefined;
  readonly spool: string | undefined;
  readonly format: InputFormat | undefined;
  readonly rejects: string;
  readonly inputId: string | undefined;
  readonly restart: boolean;
  readonly batch: number;
  readonly batchGiven: boolean;
  readonly drainShare: number | undefined;
  readonly partitions: number;
  readonly showRejects: number;
  readonly progress: boolean;
  readonly logLevel: string | undefined;
}

function intFlag(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError('SHIFTSTREAM_USAGE', `ingest --${name}: expected an integer >= ${min}, found '${text}'`);
  return n;
}

function shareFlag(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1)
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `ingest --${name}: expected a number in (0, 1], e.g. 0.8, found '${text}'`,
    );
  return n;
}

function parse(argv: readonly string[]): IngestArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        topology: { type: 'string' },
        input: { type: 'string' },
        format: { type: 'string' },
        rejects: { type: 'string', default: 'rejected.ndjson' },
        'input-id': { type: 'string' },
        restart: { type: 'boolean', default: false },
        batch: { type: 'string' },
        partitions: { type: 'string', default: '4' },
        'show-rejects': { type: 'string', default: '20' },
        'no-progress': { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        'mqtt-url': { type: 'string' },
        spool: { type: 'string' },
        'drain-share': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError('SHIFTSTREAM_USAGE', `ingest: ${(err as Error).message}. See 'shiftstream ingest --help'.`, {
      cause: err,
    });
  }
  const missing = ['topology'].filter((k) => values[k as 'topology'] === undefined);
  if (missing.length > 0)
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `ingest: expected ${missing.map((m) => `--${m} <file>`).join(' and ')}, found none. ` +
        "See 'shiftstream ingest --help'.",
    );
  if (values.input === '-')
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      "ingest --input: expected a file (its position is kept across restarts), found '-' (stdin cannot resume)",
    );
  const format = values.format;
  if (format !== undefined && !(INPUT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `ingest --format: expected one of ${INPUT_FORMATS.join(', ')}, found '${format}'`,
    );
  return {
    topology: values.topology!,
    input: values.input,
    mqttUrl: values['mqtt-url'],
    spool: values.spool,
    format: format as InputFormat | undefined,
    rejects: values.rejects,
    inputId: values['input-id'],
    restart: values.restart,
    batch: intFlag('batch', values.batch ?? '10000', 1),
    batchGiven: values.batch !== undefined,
    drainShare: values['drain-share'] === undefined ? undefined : shareFlag('drain-share', values['drain-share']),
    partitions: intFlag('partitions', values.partitions, 1),
    showRejects: intFlag('show-rejects', values['show-rejects'], 0),
    progress: !values['no-progress'],
    logLevel: values['log-level'],
  };
}

function withLogLevel(config: Config, level: string | undefined): Config {
  if (level === undefined) return config;
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const found = levels.find((l) => l === level);
  if (found === undefined)
    throw new UsageError('SHIFTSTREAM_USAGE', `--log-level: expected one of ${levels.join(', ')}, found '${level}'`);
  return Object.freeze({ ...config, log: { ...config.log, level: found } });
}

/** Consumer group and transactional.id of one input: stable across restarts, one per plant and input. */
export function ingestIds(
  plantId: string,
  inputId: string,
): { readonly group: string; readonly positionsTopic: string } {
  const h = createHash('sha256').update(inputId).digest('hex').slice(0, 16);
  return { group: `shiftstream-ingest-${plantId}-${h}`, positionsTopic: `shiftstream.${plantId}.ingest-positions` };
}

export const ingestCommand: CommandDef = {
  name: 'ingest',
  summary: 'write historian exports or MQTT samples to the raw topic (spooled, exactly once across restarts)',
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    const { config: configArgs, rest } = splitConfigArgs(ctx.argv);
    const args = parse(rest);
    const config = withLogLevel(loadConfig({ env: ctx.env, argv: configArgs }), args.logLevel);
    const topology = loadTopology(resolve(ctx.cwd, args.topology));
    const plantId = topology.plant.plantId;
    for (const w of topology.warnings)
      ctx.stderr.write(`ingest: topology warning: ${w.file}:${w.line} ${w.rule}: ${w.message}\n`);
    if (args.input === undefined) {
      await runMqttIngestCommand(
        config,
        topology,
        {
          mqttUrl: args.mqttUrl,
          spoolDir: resolve(ctx.cwd, args.spool ?? topology.ingest?.spool.dir ?? `spool/${plantId}`),
          rejectsFile: resolve(ctx.cwd, args.rejects),
          partitions: args.partitions,
          batch: args.batchGiven ? args.batch : 5_000,
          drainShare: args.drainShare ?? topology.ingest?.spool.drainShare ?? DEFAULT_DRAIN_SHARE,
          ids: (inputId) => ingestIds(plantId, inputId),
        },
        ctx.signal,
      );
      return ctx.signal.aborted ? EXIT_CODES.interrupted : EXIT_CODES.ok;
    }
    const input = resolve(ctx.cwd, args.input);
    const inputLabel = `file:${basename(input)}`;
    const logger = createLogger({ level: config.log.level, base: { service: 'shiftstream', plantId } });
    const metrics = createPromMetrics({ defaultLabels: { plantId } });
    const readiness = createReadiness(['kafka', 'registry', 'input']);
    const http = await startHttpServer({
      port: config.http.port,
      metrics,
      health: { readiness: readiness.probe },
      onError: (err, path) => logger.error({ err, path }, 'http handler failed'),
    });
    try {
      const ids = ingestIds(plantId, args.inputId ?? input);
      const raw = topology.topics.raw;
      const counts = await ensureTopics(config, [
        { topic: raw, partitions: args.partitions },
        { topic: ids.positionsTopic, partitions: 1, compacted: true },
      ]);
      readiness.ready('kafka');
      const registry = createRegistryClient({
        url: config.registry.url,
        timeoutMs: config.registry.timeoutMs,
        ...(config.registry.username === undefined
          ? {}
          : { username: config.registry.username, password: config.registry.password ?? '' }),
      });
      const { codecs } = await createRegistryCodecs(registry, topologySchemaTopics(topology.topics));
      readiness.ready('registry');
      const sink = createKafkaIngestSink(config, {
        transactionalId: ids.group,
        positionsGroup: ids.group,
        positionsTopic: ids.positionsTopic,
      });
      const inCounter = metrics.counter('shiftstream_ingest_samples_in_total', { input: inputLabel });
      const outCounter = metrics.counter('shiftstream_ingest_samples_out_total', { input: inputLabel });
      logger.info({ input, group: ids.group, topic: raw, port: http.port }, 'ingest starting');
      readiness.ready('input');
      try {
        const result = await runFileIngest({
          plan: topology.plant,
          rawTopic: raw,
          rawPartitions: counts.get(raw) ?? args.partitions,
          input,
          ...(args.format === undefined ? {} : { format: args.format }),
          codec: codecs.raw,
          sink,
          rejectsFile: resolve(ctx.cwd, args.rejects),
          batchRecords: args.batch,
          restart: args.restart,
          stderr: ctx.stderr,
          progress: args.progress,
          signal: ctx.signal,
          showRejects: args.showRejects,
          counters: {
            read: (n) => inCounter.inc(n),
            produced: (n) => outCounter.inc(n),
            rejected: (reason) => metrics.inc('shiftstream_ingest_rejects_total', { input: inputLabel, reason }),
          },
        });
        ctx.stdout.write(`${result.finalLine}\n`);
        logger.info(
          { line: result.position.line, produced: result.position.produced, rejected: result.position.rejected },
          result.interrupted ? 'ingest interrupted' : 'ingest done',
        );
        return result.interrupted ? EXIT_CODES.interrupted : EXIT_CODES.ok;
      } finally {
        await sink.close();
      }
    } finally {
      await http.close();
      logger.flush();
    }
  },
};
