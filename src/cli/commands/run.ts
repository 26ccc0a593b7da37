// `shiftstream run`: the plant's pipeline on Kafka (the long-running service; its composition is
// cli/plant-pipeline.ts, shared with the benchmarks).
import { parseArgs } from 'node:util';
import { loadConfig, parseDuration, splitConfigArgs } from '../../config/index.js';
import type { Config } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { loadTopology } from '../../topology/index.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';
import { createPlantPipeline, startPlantObservability } from '../plant-pipeline.js';
import { armStopDeadline } from '../stop-deadline.js';

const HELP = `Usage: shiftstream run --topology <file> [options] [config flags]

Runs one plant's pipeline on Kafka: raw samples -> mapped, enriched events (keyed by work center)
-> milestones at once on the critical lane -> event-time windows and shift summaries, with state
checkpointed to Redis. Several processes with the same --group share the partitions. With the
topology's orders.tagging, events and summaries are tagged with the running work order from the
orders topic that 'shiftstream orders sync' publishes (read to its end before the first sample).
With --run.fused=on (the only instance of the plant), map and windows run in this one process:
the enriched topic is still written, but not read back (docs/architecture.md "Fused path").

Options:
  --topology <file>     the plant's topology (default: the first of run.topologies)
  --group <id>          consumer group prefix (default: shiftstream-<plantId>)
  --client <name>       kafkajs (default) or rdkafka; overrides kafka.client
  --partitions <n>      partitions of topics it creates (default 4)
  --event-time-only     backfill mode: no wall-clock validation, no idle advancement
  --orders-topic <name> order tagging: the orders topic (default: the topology's topics.orders,
                        else shiftstream.<plantId>.orders); only read with orders.tagging
  --session-timeout <d> consumer session timeout, e.g. 6s (default 10s): how soon the partitions
                        of a member that died move to the others (the broker's minimum is
                        group.min.session.timeout.ms, 6s by default)
  --log-level <level>   fatal, error, warn, info (default), debug, trace, silent
  --config <file>       a YAML or JSON configuration file
  --<section>.<key>     any configuration key, e.g. --kafka.brokers=host:9092

Examples:
  shiftstream run --topology topologies/stamping-berlin.yaml
  SHIFTSTREAM_KAFKA__BROKERS=kafka:9092 SHIFTSTREAM_REDIS__URL=redis://redis:6379 \\
    shiftstream run --topology topologies/packaging-chicago.yaml --client rdkafka
`;

export const runCommand: CommandDef = {
  name: 'run',
  summary: 'run a plant pipeline on Kafka (map, critical lane, windows, shift summaries)',
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    const { config: configArgs, rest } = splitConfigArgs(ctx.argv);
    const { values } = parseFlags(rest);
    const config = withOverrides(loadConfig({ env: ctx.env, argv: configArgs }), values);
    const topologyPath = values.topology ?? config.run.topologies[0];
    if (topologyPath === undefined)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        'run: expected --topology <file> (or run.topologies in the config), found none',
      );
    const topology = loadTopology(topologyPath);
    const plantId = topology.plant.plantId;
    const ordersTopic = values['orders-topic'] ?? topology.orders.topic;
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(ordersTopic))
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `run --orders-topic: expected a Kafka topic name (letters, digits, . _ -; at most 249), found '${ordersTopic}'`,
      );
    const clash = Object.entries(topology.topics).find(([, name]) => name === ordersTopic);
    if (clash !== undefined)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `run --orders-topic: expected a topic of its own, found '${ordersTopic}', the topology's ${clash[0]} topic`,
      );
    const group = values.group ?? `shiftstream-${plantId}`;
    const partitions = values.partitions === undefined ? 4 : Number(values.partitions);
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `run --partitions: expected an integer >= 1, found ${values.partitions}`,
      );
    const sessionTimeoutMs =
      values['session-timeout'] === undefined ? undefined : parseDuration(values['session-timeout']);
    if (values['session-timeout'] !== undefined && (sessionTimeoutMs === undefined || sessionTimeoutMs < 1)) {
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `run --session-timeout: expected a duration like 6s or 10000ms, found '${values['session-timeout']}'`,
      );
    }
    const { logger, metrics, readiness, http } = await startPlantObservability(config, plantId);
    logger.info({ port: http.port, topology: topologyPath, client: config.kafka.client }, 'starting');
    // Whatever was opened is closed again, also when start-up fails half-way (a refused SASL login
    // while creating topics, an unreachable registry): otherwise the listening HTTP server would
    // keep the process alive after the error was printed.
    const closers: (() => Promise<unknown>)[] = [() => http.close()];
    const deadline = armStopDeadline(ctx.signal, config.run.shutdownTimeoutMs, () => {
      logger.error(
        { shutdownTimeoutMs: config.run.shutdownTimeoutMs },
        'graceful stop did not finish within run.shutdownTimeoutMs: ' +
          'exiting now; what was not checkpointed is read again on restart',
      );
      logger.flush();
      process.exit(EXIT_CODES.infrastructure);
    });
    try {
      return await runPipeline();
    } finally {
      await Promise.allSettled(closers.reverse().map((close) => close()));
      deadline.cancel();
      logger.flush();
    }

    async function runPipeline(): Promise<number> {
      const plant = await createPlantPipeline(config, topology, {
        group,
        partitions,
        live: values['event-time-only'] !== true,
        ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }),
        ordersTopic,
        logger,
        metrics,
        readiness,
      });
      closers.push(() => plant.close());
      const { pipeline } = plant;
      const onAbort = (): void => {
        logger.info({}, 'stopping');
        void pipeline.stop();
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const readyTimer = setInterval(
        () =>
          pipeline.ready()
            ? readiness.ready('pipeline')
            : readiness.notReady('pipeline', 'waiting for partition assignment'),
        500,
      );
      try {
        await pipeline.run();
        logger.info({}, 'stopped');
        return ctx.signal.aborted ? EXIT_CODES.interrupted : EXIT_CODES.ok;
      } finally {
        clearInterval(readyTimer);
        ctx.signal.removeEventListener('abort', onAbort);
      }
    }
  },
};

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        topology: { type: 'string' },
        group: { type: 'string' },
        client: { type: 'string' },
        partitions: { type: 'string' },
        'event-time-only': { type: 'boolean' },
        'orders-topic': { type: 'string' },
        'session-timeout': { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError('SHIFTSTREAM_USAGE', `run: ${(err as Error).message}. See 'shiftstream run --help'.`, {
      cause: err,
    });
  }
}

function withOverrides(config: Config, values: { client?: string; 'log-level'?: string }): Config {
  let out = config;
  if (values.client !== undefined) {
    if (values.client !== 'kafkajs' && values.client !== 'rdkafka')
      throw new UsageError('SHIFTSTREAM_USAGE', `run --client: expected kafkajs or rdkafka, found '${values.client}'`);
    out = { ...out, kafka: { ...out.kafka, client: values.client } };
  }
  if (values['log-level'] !== undefined) {
    const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
    const level = levels.find((l) => l === values['log-level']);
    if (level === undefined)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `--log-level: expected one of ${levels.join(', ')}, found '${values['log-level']}'`,
      );
    out = { ...out, log: { ...out.log, level } };
  }
  return Object.freeze(out);
}
