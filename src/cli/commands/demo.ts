// `shiftstream demo` (npm start): the whole value of shiftstream on a fresh machine, no servers.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, parseDuration } from '../../config/index.js';
import { runDemo } from '../../demo/demo.js';
import { REPORT_FILE } from '../../demo/demo-report.js';
import { defaultDemoFrom, localMidnightMs, planDemo } from '../../demo/schedule.js';
import { UsageError } from '../../errors.js';
import { loadTopology } from '../../topology/index.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';
import { embeddedTransport, kafkaTransport, odooPreviewOf } from '../demo-transports.js';

/** The shipped example plant (dist/cli/commands -> package root). */
const DEFAULT_TOPOLOGY = fileURLToPath(new URL('../../../topologies/stamping-berlin.yaml', import.meta.url));

const HELP = `Usage: shiftstream demo [--shifts <n>] [--duration <d>] [--topology <file>] [--speed <x>] [--out <dir>]
                        [--start <day>] [--seed <n>]

Simulates a plant (breakdowns, changeovers, counters, milestones) and runs it through the same
processors over an embedded, in-process log: no Kafka, registry, Redis or Odoo needed. When
SHIFTSTREAM_KAFKA__BROKERS is set, the same demo runs on that cluster instead (with the registry
and Redis of the configuration), on fresh topics suffixed .demo-<run id>.
A live view shows per work center the current state and reason, runtime, downtime, good and
scrap counts and the current shift with its availability; critical milestones scroll below.

The simulation starts 10 simulated minutes before the first shift of the start day (by default
7 days ago, in the plant's time zone), so the machines have reported their states when that shift
begins: the first shift of the report is a whole one. Without --shifts or --duration it runs
until Ctrl-C.

Writes to --out (default ./out):
  report.html               the shift report of 'shiftstream report' over the whole shifts closed so
                            far: rewritten whenever a shift closes and when the demo stops
  window-summaries.ndjson   closed windows (1-minute, 15-minute, ...), all revisions
  shift-summaries.ndjson    closed shifts, all revisions; not the shift in progress at the
                            simulated start, of which only the last 10 minutes were simulated
  order-summaries.ndjson    per-order shares of those shifts (docs/semantics.md section 11),
                            all revisions: one per work center, shift and order ("no order" too)
  milestones.ndjson         the critical lane (coil lots consumed at the blanking line, the blank
                            stacks it produces, the stacks consumed at the presses among them)
  genealogy.ndjson          lot genealogy: consumed lot -> order -> produced lot, each edge once
                            (docs/genealogy.md)
  odoo-preview.ndjson       the mrp.workcenter.productivity records that would be posted
                            (ids 0: no Odoo is configured; see 'shiftstream post' to post them)

Options:
  --shifts <n>        stop by itself (exit 0) once n whole shifts have closed for every work center
  --duration <d>      stop by itself (exit 0) after this much simulated time, e.g. 8h or 90m, once
                      the pipeline has processed it (with --shifts: whichever comes first)
  --topology <file>   default topologies/stamping-berlin.yaml
  --speed <x>         simulated time per wall time (default 600: an 8-hour shift in 48 s)
  --start <day>       the start day, YYYY-MM-DD in the plant's zone, or an ISO-8601 instant: the run
                      begins 10 minutes before the first shift that starts at or after it
  --seed <n>          random seed (default 1)
  --out <dir>         default ./out

Examples:
  npm start -- --shifts 1
  shiftstream demo --shifts 3 --start 2026-03-23 --out /tmp/demo
  shiftstream demo --topology topologies/packaging-chicago.yaml --speed 1200
  shiftstream demo --duration 2h --speed 2000
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
          shifts: { type: 'string' },
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
    if (values.duration !== undefined && !(durationMs !== undefined && durationMs > 0))
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `demo --duration: expected a simulated duration like 8h or 90m, found '${values.duration}'`,
      );
    const shifts = values.shifts === undefined ? undefined : Number(values.shifts);
    if (shifts !== undefined && !(Number.isInteger(shifts) && shifts >= 1))
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `demo --shifts: expected a whole number >= 1, found '${values.shifts}'`,
      );
    const topology = loadTopology(values.topology ?? DEFAULT_TOPOLOGY);
    const fromMs =
      values.start === undefined
        ? defaultDemoFrom(topology, Date.now())
        : (localMidnightMs(topology, values.start) ?? Date.parse(values.start));
    if (!Number.isFinite(fromMs))
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `demo --start: expected a day YYYY-MM-DD or an ISO-8601 instant, found '${values.start}'`,
      );
    const schedule = planDemo(topology, fromMs, shifts);
    // With Kafka configured in the environment, the same demo runs on the cluster.
    const onKafka = ctx.env.SHIFTSTREAM_KAFKA__BROKERS !== undefined && ctx.env.SHIFTSTREAM_KAFKA__BROKERS !== '';
    const transport = onKafka
      ? await kafkaTransport(loadConfig({ env: ctx.env }), topology, String(Date.now()))
      : embeddedTransport(topology);
    if (onKafka) ctx.stderr.write(`demo: running on ${transport.name}\n`);
    const outDir = values.out ?? 'out';
    const until = schedule.lastShift === undefined ? '' : `, until shift ${schedule.lastShift.shiftId} has closed`;
    ctx.stdout.write(
      `demo: ${topology.plant.plantId} from ${schedule.firstShift.startLocal.slice(0, 16)} (shift ` +
        `${schedule.firstShift.shiftId}, simulation 10 min earlier)${until}; report: ${join(outDir, REPORT_FILE)}\n`,
    );
    const result = await runDemo({
      topology,
      transport,
      odooPreview: odooPreviewOf(topology),
      outDir,
      speed,
      seed: values.seed === undefined ? 1 : Number(values.seed),
      startMs: schedule.startMs,
      ...(durationMs === undefined ? {} : { durationMs }),
      ...(schedule.lastShift === undefined ? {} : { untilShiftId: schedule.lastShift.shiftId }),
      signal: ctx.signal,
      out: ctx.stdout,
      nowMs: () => Date.now(),
    });
    const why = { signal: 'stopped', shifts: 'done', duration: 'done' }[result.stoppedBy];
    const partial =
      result.partialShiftSummaries === 0
        ? ''
        : ` (and ${result.partialShiftSummaries} of the shift cut by the simulated start, left out)`;
    ctx.stdout.write(
      `\ndemo ${why}: ${result.samples} samples over ${(result.simulatedMs / 3_600_000).toFixed(1)} ` +
        `simulated hours -> ${result.windowSummaries} window summaries, ${result.shiftSummaries} ` +
        `shift summaries${partial}, ${result.orderSummaries} order summaries, ${result.milestones} milestones, ` +
        `${result.genealogyEdges} genealogy edges, ` +
        `${result.rejected} rejected, ` +
        `${result.odooPreviewRecords} Odoo records previewed in ${outDir}/\n` +
        (result.report === undefined
          ? `demo: no whole shift closed, so no report (${join(outDir, REPORT_FILE)} not written)\n`
          : `demo: report ${result.report.path} (${result.report.shifts} whole ` +
            `shift${result.report.shifts === 1 ? '' : 's'}): open it in a browser\n`),
    );
    return EXIT_CODES.ok;
  },
};
