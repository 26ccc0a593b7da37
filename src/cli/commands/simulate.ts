// `shiftstream simulate`: a realistic, seeded plant producing raw samples to Kafka (Avro wire
// format), or to a historian export file.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { loadConfig, parseDuration, splitConfigArgs } from '../../config/index.js';
import type { RawSample } from '../../core/types.js';
import { UsageError } from '../../errors.js';
import { createRegistryCodecs } from '../../io/avro/codecs.js';
import { createRegistryClient } from '../../io/avro/registry-client.js';
import { ensureTopics } from '../../io/kafka/admin.js';
import { createEventSink } from '../../io/kafka/factory.js';
import {
  createPlantSimulator,
  sampleToCsvLine,
  sampleToNdjsonLine,
  SAMPLE_CSV_HEADER,
  simulateToArray,
  type SimulatorOptions,
} from '../../sim/index.js';
import { loadTopology } from '../../topology/index.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';

const HELP =
  `Usage: shiftstream simulate --topology <file> [--rate <samples/s>] ` +
  `[--duration <d> | --count <n>] [options]

Simulates the plant of a topology: machines follow state models with reasons (breakdowns,
changeovers, breaks), total counters roll over, heartbeats, milestones, occasional silences, a
small share of out-of-order, late and bad samples. The same --seed gives the same stream.

Writes raw samples to the topology's raw topic in the Avro wire format (key = tag), or with
--out to a historian export (NDJSON or CSV, by extension) for 'shiftstream replay'.

Options:
  --topology <file>   the plant to simulate (required)
  --rate <n>          samples per second of wall time (default: the plant's natural rate). Event
                      time runs faster than the wall clock when n is above the natural rate.
  --duration <d>      how long to run, e.g. 90s, 10m, 2h (wall time; default: until Ctrl-C)
  --count <n>         produce exactly n samples as fast as possible, then stop
  --start <iso>       simulated start time (default: now)
  --seed <n>          random seed (default 1)
  --out <file>        write an export (.ndjson or .csv) instead of producing to Kafka
  --clean             no out-of-order, late or bad samples
  --config <file>, --<section>.<key>   configuration (Kafka brokers, registry)

Examples:
  shiftstream simulate --topology topologies/stamping-berlin.yaml --rate 500 --duration 10m
  shiftstream simulate --topology topologies/packaging-chicago.yaml --count 1000000 --start 2026-03-07T00:00:00Z
  shiftstream simulate --topology topologies/stamping-berlin.yaml --count 100000 --out /tmp/export.ndjson
`;

export const simulateCommand: CommandDef = {
  name: 'simulate',
  summary: 'produce a realistic, seeded sample stream to Kafka or an export file',
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    const { config: configArgs, rest } = splitConfigArgs(ctx.argv);
    const v = parse(rest);
    if (v.topology === undefined)
      throw new UsageError('SHIFTSTREAM_USAGE', 'simulate: expected --topology <file>, found none');
    const topology = loadTopology(v.topology);
    const startMs = v.start === undefined ? Date.now() : Date.parse(v.start);
    if (!Number.isFinite(startMs))
      throw new UsageError('SHIFTSTREAM_USAGE', `simulate --start: expected an ISO-8601 instant, found '${v.start}'`);
    const seed = v.seed === undefined ? 1 : Number(v.seed);
    const count = v.count === undefined ? undefined : Number(v.count);
    if (count !== undefined && (!Number.isInteger(count) || count < 1))
      throw new UsageError('SHIFTSTREAM_USAGE', `simulate --count: expected an integer >= 1, found '${v.count}'`);
    const durationMs = v.duration === undefined ? undefined : parseDuration(v.duration);
    if (v.duration !== undefined && durationMs === undefined)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `simulate --duration: expected a duration like 90s or 10m, found '${v.duration}'`,
      );
    const simOptions: SimulatorOptions = {
      seed,
      startMs: Math.floor(startMs),
      ...(v.clean === true ? { outOfOrderShare: 0, lateShare: 0, badShare: 0 } : {}),
    };
    // The plant's natural rate: samples per simulated second over one simulated hour.
    const naturalRate = simulateToArray(topology.plant, simOptions, simOptions.startMs + 3_600_000).length / 3_600;
    const rate = v.rate === undefined ? naturalRate : Number(v.rate);
    if (!(rate > 0))
      throw new UsageError('SHIFTSTREAM_USAGE', `simulate --rate: expected a number > 0, found '${v.rate}'`);
    const speed = rate / naturalRate;
    const sim = createPlantSimulator(topology.plant, simOptions);

    let write: (samples: RawSample[]) => Promise<void>;
    let close: () => Promise<void>;
    if (v.out !== undefined) {
      const csv = v.out.endsWith('.csv');
      const out = createWriteStream(v.out);
      if (csv) out.write(`${SAMPLE_CSV_HEADER}\n`);
      write = async (samples) => {
        const text = samples.map((s) => (csv ? sampleToCsvLine(s) : sampleToNdjsonLine(s))).join('\n');
        if (text.length > 0 && !out.write(`${text}\n`)) await once(out, 'drain');
      };
      close = () => new Promise((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } else {
      const config = loadConfig({ env: ctx.env, argv: configArgs });
      await ensureTopics(config, [{ topic: topology.topics.raw, partitions: 4 }]);
      const registry = createRegistryClient({ url: config.registry.url, timeoutMs: config.registry.timeoutMs });
      const { codecs } = await createRegistryCodecs(registry, {
        RawSample: [topology.topics.raw],
        MachineEvent: [],
        Milestone: [],
        WindowSummary: [],
        Rejected: [],
        Late: [],
      });
      const sink = createEventSink(config, { clientId: `${config.kafka.clientId}-simulate` });
      write = (samples) =>
        sink.send(samples.map((s) => ({ topic: topology.topics.raw, key: s.tag, value: codecs.raw.encode(s) })));
      close = () => sink.close();
    }

    let produced = 0;
    const started = Date.now();
    try {
      if (count !== undefined) {
        while (produced < count && !ctx.signal.aborted) {
          const batch = sim.nextCount(Math.min(10_000, count - produced));
          await write(batch);
          produced += batch.length;
        }
      } else {
        let simNow = simOptions.startMs;
        while (!ctx.signal.aborted && (durationMs === undefined || Date.now() - started < durationMs)) {
          const wallElapsed = Date.now() - started;
          const target = simOptions.startMs + Math.floor(wallElapsed * speed);
          if (target > simNow) {
            const batch = sim.next(target);
            simNow = target;
            if (batch.length > 0) await write(batch);
            produced += batch.length;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      await close();
    }
    const seconds = (Date.now() - started) / 1000;
    ctx.stdout.write(
      `simulate: ${produced} samples in ${seconds.toFixed(1)} s ` +
        `(${Math.round(produced / Math.max(seconds, 0.001))}/s; natural rate ` +
        `${naturalRate.toFixed(2)}/s, speed x${speed.toFixed(2)}) to ${v.out ?? topology.topics.raw}\n`,
    );
    return ctx.signal.aborted ? EXIT_CODES.interrupted : EXIT_CODES.ok;
  },
};

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        topology: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        count: { type: 'string' },
        start: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        clean: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `simulate: ${(err as Error).message}. See 'shiftstream simulate --help'.`,
      { cause: err },
    );
  }
}
