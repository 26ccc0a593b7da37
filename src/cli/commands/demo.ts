// `shiftstream demo` (npm start): the whole value of shiftstream on a fresh machine, no servers.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../config/index.js';
import { loadConfig } from '../../config/index.js';
import { runDemo } from '../../demo/demo.js';
import { UsageError } from '../../errors.js';
import { loadTopology } from '../../topology/index.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';
import { embeddedTransport, kafkaTransport, odooPreviewOf } from '../demo-transports.js';

/** The shipped example plant (dist/cli/commands -> package root). */
const DEFAULT_TOPOLOGY = fileURLToPath(new URL('../../../topologies/stamping-berlin.yaml', import.meta.url));

const HELP = `Usage: shiftstream demo [--topology <file>] [--speed <x>] [--out <dir>] [--duration <d>] [--seed <n>]

Simulates a plant (breakdowns, changeovers, counters, milestones) and runs it through the same
processors over an embedded, in-process log: no Kafka, registry, Redis or Odoo needed. When
SHIFTSTREAM_KAFKA__BROKERS is set, the same demo runs on that cluster instead (with the registry
and Redis of the configuration), on fresh topics suffixed .demo-<run id>.
A live view shows per work center the current state and reason, runtime, downtime, good and
scrap counts and the current shift with its availability; critical milestones scroll below.

Writes to --out (default ./out):
  window-summaries.ndjson   closed windows (1-minute, 15-minute, ...), all revisions
  shift-summaries.ndjson    closed shifts, all revisions
  milestones.ndjson         the critical lane
  odoo-preview.ndjson       the mrp.workcenter.productivity records that would be posted
                            (ids 0: no Odoo is configured; see 'shiftstream post' to post them)

Options:
  --topology <file>   default topologies/stamping-berlin.yaml
  --speed <x>         simulated time per wall time (default 600: an 8-hour shift in 48 s)
  --duration <d>      stop after this wall time, e.g. 90s (default: until Ctrl-C)
  --start <iso>       simulated start (default: 30 minutes before a shift of the last week)
  --seed <n>          random seed (default 1)

Examples:
  npm start
  shiftstream demo --topology topologies/packaging-chicago.yaml --speed 1200
  shiftstream demo --duration 60s --out /tmp/demo
`;

export const demoCommand: CommandDef = {
  name: 'demo',
  summary: 'simulated plant through the real pipeline, embedded, with a live view (npm start)',
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    let values;
    try {
      values = parseArgs({
        args: [...ctx.argv],
        options: {
          topology: { type: 'string' },
          speed: { type: 'string' },
          out: { type: 'string' },
          duration: { type: 'string' },
          start: { type: 'string' },
          seed: { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (err) {
      throw new UsageError('SHIFTSTREAM_USAGE', `demo: ${(err as Error).message}. See 'shiftstream demo --help'.`, {
        cause: err,
      });
    }
    const speed = values.speed === undefined ? 600 : Number(values.speed);
    if (!(speed > 0))
      throw new UsageError('SHIFTSTREAM_USAGE', `demo --speed: expected a number > 0, found '${values.speed}'`);
    const durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
    if (values.duration !== undefined && durationMs === undefined)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `demo --duration: expected a duration like 90s, found '${values.duration}'`,
      );
    const startMs = values.start === undefined ? undefined : Date.parse(values.start);
    if (startMs !== undefined && !Number.isFinite(startMs))
      throw new UsageError('SHIFTSTREAM_USAGE', `demo --start: expected an ISO-8601 instant, found '${values.start}'`);
    const topology = loadTopology(values.topology ?? DEFAULT_TOPOLOGY);
    // With Kafka configured in the environment, the same demo runs on the cluster.
    const onKafka = ctx.env.SHIFTSTREAM_KAFKA__BROKERS !== undefined && ctx.env.SHIFTSTREAM_KAFKA__BROKERS !== '';
    const transport = onKafka
      ? await kafkaTransport(loadConfig({ env: ctx.env }), topology, String(Date.now()))
      : embeddedTransport(topology);
    if (onKafka) ctx.stderr.write(`demo: running on ${transport.name}\n`);
    const result = await runDemo({
      topology,
      transport,
      odooPreview: odooPreviewOf(topology),
      outDir: values.out ?? 'out',
      speed,
      seed: values.seed === undefined ? 1 : Number(values.seed),
      ...(startMs === undefined ? {} : { startMs }),
      ...(durationMs === undefined ? {} : { durationMs }),
      signal: ctx.signal,
      out: ctx.stdout,
      nowMs: () => Date.now(),
    });
    ctx.stdout.write(
      `\ndemo stopped: ${result.samples} samples over ${(result.simulatedMs / 3_600_000).toFixed(1)} ` +
        `simulated hours -> ${result.windowSummaries} window summaries, ${result.shiftSummaries} ` +
        `shift summaries, ${result.milestones} milestones, ${result.rejected} rejected, ` +
        `${result.odooPreviewRecords} Odoo records previewed in ${values.out ?? 'out'}/\n`,
    );
    return EXIT_CODES.ok;
  },
};
