// `shiftstream replay`: a historian export through the same core, offline, in event time.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { INPUT_FORMATS, type InputFormat } from '../../replay/input.js';
import { OUTPUT_FILES, runReplay } from '../../replay/runner.js';
import { loadTopology } from '../../topology/index.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';

const HELP = `Usage: shiftstream replay --topology <file> --input <file|-> [options]

Processes a historian export (NDJSON or CSV, optionally gzipped) offline through the same core as
the live pipeline, in event time only, and writes window and shift summaries as NDJSON.

Options:
  --topology <file>     plant topology (topologies/<plant>.yaml)                       required
  --input <file|->      export: .ndjson/.jsonl/.json or .csv, optionally .gz; - reads stdin required
  --out <dir>           output directory (created if missing)                   default ./out
  --format <f>          ndjson or csv: overrides the file name (default: by name, else the
                        first line: '{' means NDJSON, anything else a CSV header)
  --flush               at the end of input, close every window that contains a sample
                        (default: only windows the natural watermark closes, i.e. highest ts
                        minus the out-of-orderness, minus the grace; the rest stay open and are
                        counted in the final line)
  --show-rejects <n>    rejected lines detailed on stderr (all go to rejected.ndjson)  default 20
  --no-progress         no progress line (it is only drawn when stderr is a terminal anyway)
  -h, --help            this text

Input records (docs/semantics.md section 1):
  NDJSON  {"ts": 1774745998120, "tag": "P01.STATE", "value": 1, "quality": "good"}
          ts: integer epoch ms or ISO-8601 with an offset ("2026-03-29T00:59:58.120Z",
          "...T01:59:58.120+01:00"); quality optional (good, uncertain, bad).
  CSV     header ts,tag,value,quality (any order; quality optional; other columns ignored);
          RFC 4180 quoting. value: a decimal number becomes a number, true/false a boolean,
          anything else a string.

Outputs in --out: ${OUTPUT_FILES.windowSummaries}, ${OUTPUT_FILES.shiftSummaries}, ${OUTPUT_FILES.late},
${OUTPUT_FILES.rejected}, ${OUTPUT_FILES.stats} (field names and units: docs/replay.md), and
${OUTPUT_FILES.orderSummaries} (per order and shift, docs/semantics.md section 11; empty without an order tag),
${OUTPUT_FILES.milestones} (the critical lane's records, as 'run' sends them; quantity and scrap counts with
the order running at their ts, section 9.3).
Bad rows are reported with their line numbers and skipped; they never stop the run.

Examples:
  shiftstream replay --topology topologies/stamping-berlin.yaml --input march.ndjson
  shiftstream replay --topology topologies/stamping-berlin.yaml --input export.csv.gz --out out/march --flush
  zcat export.csv.gz | shiftstream replay --topology topologies/stamping-berlin.yaml --input - --format csv

Exit codes: 0 done (rejected rows included), 2 bad flags or unreadable input, 3 invalid topology,
130 interrupted (the summaries emitted so far are kept).
`;

function parse(argv: readonly string[]): {
  topology: string;
  input: string;
  out: string;
  format: InputFormat | undefined;
  flush: boolean;
  showRejects: number;
  progress: boolean;
} {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        topology: { type: 'string' },
        input: { type: 'string' },
        out: { type: 'string', default: 'out' },
        format: { type: 'string' },
        flush: { type: 'boolean', default: false },
        'show-rejects': { type: 'string', default: '20' },
        'no-progress': { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError('SHIFTSTREAM_USAGE', `replay: ${(err as Error).message}. See 'shiftstream replay --help'.`, {
      cause: err,
    });
  }
  const missing = ['topology', 'input'].filter((k) => values[k as 'topology' | 'input'] === undefined);
  if (missing.length > 0) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `replay: expected ${missing.map((m) => `--${m} <file>`).join(' and ')}, ` +
        `found none. See 'shiftstream replay --help'.`,
    );
  }
  const format = values.format;
  if (format !== undefined && !(INPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `replay: --format expected one of ${INPUT_FORMATS.join(', ')}, found '${format}'`,
    );
  }
  const showRejects = Number(values['show-rejects']);
  if (!Number.isSafeInteger(showRejects) || showRejects < 0) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `replay: --show-rejects expected an integer >= 0, found '${values['show-rejects']}'`,
    );
  }
  return {
    topology: values.topology!,
    input: values.input!,
    out: values.out,
    format: format as InputFormat | undefined,
    flush: values.flush,
    showRejects,
    progress: !values['no-progress'],
  };
}

export const replayCommand: CommandDef = {
  name: 'replay',
  summary: 'process a historian export (NDJSON/CSV) offline into window and shift summaries',
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    const args = parse(ctx.argv);
    const topology = loadTopology(resolve(ctx.cwd, args.topology));
    for (const w of topology.warnings)
      ctx.stderr.write(`replay: topology warning: ${w.file}:${w.line} ${w.rule}: ${w.message}\n`);
    const { stats, finalLine } = await runReplay({
      plan: topology.plant,
      input: args.input === '-' ? '-' : resolve(ctx.cwd, args.input),
      ...(args.format === undefined ? {} : { format: args.format }),
      outDir: resolve(ctx.cwd, args.out),
      flush: args.flush,
      stderr: ctx.stderr,
      signal: ctx.signal,
      showRejects: args.showRejects,
      ...(args.progress ? {} : { progress: false }),
    });
    ctx.stdout.write(`${finalLine}\n`);
    return stats.interrupted ? EXIT_CODES.interrupted : EXIT_CODES.ok;
  },
};
