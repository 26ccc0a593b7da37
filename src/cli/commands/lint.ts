// `shiftstream lint [files...]`: schema check and named lint rules for topology files.
import { readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ShiftstreamError, UsageError } from '../../errors.js';
import { countBySeverity, formatProblem, lintTopologyFile, PARSE_RULES, RULES } from '../../topology/index.js';
import type { TopologyProblem } from '../../topology/index.js';
import { EXIT_CODES, type CommandDef } from '../command.js';

const ruleLines = [...PARSE_RULES, ...RULES].map((r) => `  ${r.name.padEnd(30)} ${r.severity}`).join('\n');

const HELP = `Usage: shiftstream lint [--format text|json] [file...]

Checks topology files: YAML syntax, the schema (unknown keys are errors), then named lint rules.
Prints every problem, one per line:
  <file> <path> (line <n>): <rule>[ (warning)]: <message>
Without files, checks every topologies/*.yaml (and *.yml) under the current directory.
Exits 0 when there are no errors (warnings allowed), 1 when any file has an error, and 2 when a
file cannot be read or the arguments are wrong.

Options:
  --format text   one line per problem and a summary line (default)
  --format json   one JSON object: { files: [{ file, errors, warnings }], problems: [...], errors, warnings }

Rules (default severity; docs/topology.md explains each one):
${ruleLines}

Examples:
  shiftstream lint
  shiftstream lint topologies/stamping-berlin.yaml
  shiftstream lint --format json topologies/*.yaml | jq '.problems[] | select(.severity == "error")'
`;

interface LintArgs {
  readonly format: 'text' | 'json';
  readonly files: string[];
}

function parseArgs(argv: readonly string[]): LintArgs {
  let format: 'text' | 'json' = 'text';
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    let value: string | undefined;
    if (arg === '--format') {
      value = argv[++i];
      if (value === undefined)
        throw new UsageError('SHIFTSTREAM_USAGE', `lint --format: expected text or json, found nothing`);
    } else if (arg.startsWith('--format=')) value = arg.slice('--format='.length);
    else if (arg.startsWith('-'))
      throw new UsageError('SHIFTSTREAM_USAGE', `lint: expected --format or topology files, found '${arg}'`);
    else files.push(arg);
    if (value !== undefined) {
      if (value !== 'text' && value !== 'json')
        throw new UsageError('SHIFTSTREAM_USAGE', `lint --format: expected text or json, found '${value}'`);
      format = value;
    }
  }
  return { format, files };
}

function defaultFiles(cwd: string): string[] {
  const dir = join(cwd, 'topologies');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `lint: expected topology files as arguments or a topologies/ directory in ${cwd}, found neither`,
      { cause: err },
    );
  }
  const files = names.filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  if (files.length === 0)
    throw new UsageError('SHIFTSTREAM_USAGE', `lint: expected *.yaml files in ${dir}, found none`);
  return files.map((n) => join('topologies', n));
}

export const lintCommand: CommandDef = {
  name: 'lint',
  summary: 'Check topology files (schema and lint rules); exit 1 on errors',
  help: HELP,
  async run(ctx) {
    const args = parseArgs(ctx.argv);
    const files = args.files.length > 0 ? args.files : defaultFiles(ctx.cwd);
    const problems: TopologyProblem[] = [];
    const perFile: { file: string; errors: number; warnings: number; unreadable?: string }[] = [];
    for (const file of files) {
      try {
        // Problems name the file as given; it is read relative to the command's cwd.
        const result = lintTopologyFile(isAbsolute(file) ? file : resolve(ctx.cwd, file));
        const own = result.problems.map((p) => ({ ...p, file }));
        problems.push(...own);
        perFile.push({ file, ...countBySeverity(own) });
      } catch (err) {
        if (!(err instanceof ShiftstreamError) || err.code !== 'SHIFTSTREAM_TOPOLOGY_NOT_FOUND') throw err;
        perFile.push({ file, errors: 0, warnings: 0, unreadable: err.message });
      }
    }
    const { errors, warnings } = countBySeverity(problems);
    const unreadable = perFile.filter((f) => f.unreadable !== undefined);
    if (args.format === 'json') {
      ctx.stdout.write(`${JSON.stringify({ files: perFile, problems, errors, warnings }, null, 2)}\n`);
    } else {
      for (const p of problems) ctx.stdout.write(`${formatProblem(p)}\n`);
      for (const f of unreadable) ctx.stderr.write(`shiftstream: ${f.unreadable ?? ''}\n`);
      const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
      ctx.stdout.write(
        `${plural(files.length, 'file')} checked: ${plural(errors, 'error')}, ` +
          `${plural(warnings, 'warning')}${unreadable.length > 0 ? `, ${unreadable.length} unreadable` : ''}\n`,
      );
    }
    if (unreadable.length > 0) return EXIT_CODES.usage;
    return errors > 0 ? EXIT_CODES.checkFailed : EXIT_CODES.ok;
  },
};
