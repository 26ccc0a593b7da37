// `shiftstream report`: shift summaries (NDJSON) -> one self-contained HTML page.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTimeZone } from '../../core/time-zone.js';
import { ShiftstreamError, UsageError } from '../../errors.js';
import { readOrderSummaries, readShiftSummaries } from '../../report/read-summaries.js';
import { renderReport } from '../../report/render-html.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';

const HELP = `Usage: shiftstream report --input <summaries.ndjson> [--out <report.html>] [options]

Writes one self-contained HTML page (inline CSS and SVG, no scripts, no external files) with, per
plant and shift: a state timeline per work center, downtime by reason, time by state, counts and the
OEE components. Reads WindowSummary NDJSON as written by 'replay', 'demo' or the shift-summary
topic; keeps shift summaries (windowKind "shift") and, of each plant, work center and shift, the
last revision. Other window kinds are ignored. Bad lines are reported with their line numbers and
skipped.

Options:
  --input <file>        WindowSummary NDJSON                                          required
  --out <file>          the HTML file to write                              default report.html
  --orders <file>       order-summaries.ndjson (from 'replay' or 'demo'): adds a per-order table
                        per shift (order, work center, runtime, downtime by reason, good, scrap)
  --plant <id>          only this plant (default: every plant in the input)
  --shift <id>          only shift instances whose id contains this text, e.g. 2026-03-28
  --time-zone <iana>    the plant's IANA zone, e.g. Europe/Berlin: exact local times on clock-change
                        nights (otherwise they come from the offsets in the summaries)
  --title <text>        page title                                    default "Shift report: <plant>"
  -h, --help            this text

Times are local plant times; hover over a timeline bar for its state, reason and exact duration.
Availability, performance, quality and OEE show "n/a" when their denominator is zero (never 0).

Examples:
  shiftstream replay --topology topologies/stamping-berlin.yaml --input march.ndjson --out out/march
  shiftstream report --input out/march/shift-summaries.ndjson --out march.html
  shiftstream report --input out/march/shift-summaries.ndjson --orders out/march/order-summaries.ndjson
  shiftstream report --input out/shift-summaries.ndjson --plant packaging-chicago --shift 2026-03-28

Exit codes: 0 written, 2 bad flags, an unreadable input or no shift summary to show.
`;

interface ReportArgs {
  readonly input: string;
  readonly out: string;
  readonly orders: string | undefined;
  readonly plant: string | undefined;
  readonly shift: string | undefined;
  readonly timeZone: string | undefined;
  readonly title: string | undefined;
}

function parse(argv: readonly string[]): ReportArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: 'string' },
        out: { type: 'string', default: 'report.html' },
        orders: { type: 'string' },
        plant: { type: 'string' },
        shift: { type: 'string' },
        'time-zone': { type: 'string' },
        title: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError('SHIFTSTREAM_USAGE', `report: ${(err as Error).message}. See 'shiftstream report --help'.`, {
      cause: err,
    });
  }
  if (values.input === undefined || values.input === '') {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `report: expected --input <summaries.ndjson>, found none. See 'shiftstream report --help'.`,
    );
  }
  return {
    input: values.input,
    out: values.out,
    orders: values.orders,
    plant: values.plant,
    shift: values.shift,
    timeZone: values['time-zone'],
    title: values.title,
  };
}

const SHOW_PROBLEMS = 10;

export const reportCommand: CommandDef = {
  name: 'report',
  summary: 'Write an HTML shift report (timelines, downtime by reason, OEE) from summary NDJSON',
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    const args = parse(ctx.argv);
    let zone;
    if (args.timeZone !== undefined) {
      try {
        zone = createTimeZone(args.timeZone);
      } catch (err) {
        throw new UsageError(
          'SHIFTSTREAM_USAGE',
          `report: --time-zone expected an IANA zone such as Europe/Berlin, found '${args.timeZone}'`,
          { cause: err },
        );
      }
    }
    const inputPath = resolve(ctx.cwd, args.input);
    const read = await readShiftSummaries(inputPath);
    for (const p of read.problems.slice(0, SHOW_PROBLEMS))
      ctx.stderr.write(`shiftstream: report: ${args.input} line ${p.line}: ${p.message}; skipped\n`);
    if (read.problems.length > SHOW_PROBLEMS)
      ctx.stderr.write(`shiftstream: report: ... and ${read.problems.length - SHOW_PROBLEMS} more bad lines skipped\n`);

    let summaries = read.summaries;
    if (args.plant !== undefined) {
      const plants = [...new Set(summaries.map((s) => s.plantId))].sort();
      summaries = summaries.filter((s) => s.plantId === args.plant);
      if (summaries.length === 0) {
        throw new ShiftstreamError(
          'SHIFTSTREAM_INPUT_INVALID',
          `report: --plant '${args.plant}' has no shift summaries in ${args.input}; ` +
            `plants found: ${plants.length > 0 ? plants.join(', ') : 'none'}`,
        );
      }
    }
    if (args.shift !== undefined) {
      const filter = args.shift;
      summaries = summaries.filter((s) => s.windowId.includes(filter));
      if (summaries.length === 0)
        throw new ShiftstreamError(
          'SHIFTSTREAM_INPUT_INVALID',
          `report: no shift id in ${args.input} contains '${filter}' (ids look like 2026-03-28/night)`,
        );
    }
    if (summaries.length === 0) {
      throw new ShiftstreamError(
        'SHIFTSTREAM_INPUT_INVALID',
        `report: ${args.input}: expected WindowSummary lines with windowKind "shift", found none ` +
          `(${read.linesRead} lines, ${read.otherKinds} summaries ` +
          `of other window kinds, ${read.problems.length} bad lines)`,
      );
    }
    let orders;
    if (args.orders !== undefined) {
      const readOrders = await readOrderSummaries(resolve(ctx.cwd, args.orders));
      for (const p of readOrders.problems.slice(0, SHOW_PROBLEMS))
        ctx.stderr.write(`shiftstream: report: ${args.orders} line ${p.line}: ${p.message}; skipped\n`);
      orders = readOrders.orders;
    }
    const html = renderReport(summaries, {
      source: args.input,
      ...(orders === undefined ? {} : { orders }),
      ...(zone === undefined ? {} : { timeZone: zone }),
      ...(args.title === undefined ? {} : { title: args.title }),
    });
    const outPath = resolve(ctx.cwd, args.out);
    try {
      await writeFile(outPath, html, 'utf8');
    } catch (err) {
      throw new UsageError('SHIFTSTREAM_USAGE', `report: cannot write --out ${args.out}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const plants = new Set(summaries.map((s) => s.plantId)).size;
    const shifts = new Set(summaries.map((s) => `${s.plantId}\u0000${s.windowId}`)).size;
    ctx.stdout.write(
      `report: wrote ${args.out} (${Math.round(html.length / 1024)} KiB): ${plants} ` +
        `plant${plants === 1 ? '' : 's'}, ${shifts} shift${shifts === 1 ? '' : 's'}, ` +
        `${summaries.length} work-center summaries` +
        `${orders === undefined ? '' : `, ${orders.length} order shares`}; ${read.supersededRevisions} ` +
        `earlier revisions replaced, ${read.problems.length} bad lines skipped\n`,
    );
    return EXIT_CODES.ok;
  },
};
