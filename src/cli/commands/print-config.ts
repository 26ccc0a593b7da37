// `shiftstream print-config`: the effective configuration after defaults, file, environment and
// flags, with every secret masked.
import { loadConfig, redactConfig, splitConfigArgs } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';

const HELP = `Usage: shiftstream print-config [--format json|env] [config flags]

Prints the effective configuration (defaults < --config file < SHIFTSTREAM_* environment <
flags) with secrets masked. Useful to check what a deployment will actually use.

Options:
  --format json   (default) one JSON document
  --format env    one SHIFTSTREAM_SECTION__KEY=value line per key
  --config <file> and --<section>.<key>=<value> as for every command

Examples:
  shiftstream print-config
  SHIFTSTREAM_KAFKA__BROKERS=kafka:9092 shiftstream print-config --format env
`;

export const printConfigCommand: CommandDef = {
  name: 'print-config',
  summary: 'print the effective configuration, secrets masked',
  help: HELP,
  run(ctx: CommandContext): Promise<number> {
    const { config: configArgs, rest } = splitConfigArgs(ctx.argv);
    let format = 'json';
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      if (arg === '--format') format = rest[++i] ?? '';
      else if (arg.startsWith('--format=')) format = arg.slice('--format='.length);
      else
        throw new UsageError(
          'SHIFTSTREAM_USAGE',
          `print-config: unknown argument '${arg}'. See 'shiftstream print-config --help'.`,
        );
    }
    if (format !== 'json' && format !== 'env')
      throw new UsageError('SHIFTSTREAM_USAGE', `print-config --format: expected json or env, found '${format}'`);
    const config = redactConfig(loadConfig({ env: ctx.env, argv: configArgs }));
    if (format === 'json') ctx.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    else ctx.stdout.write(`${envLines(config as unknown as Record<string, unknown>, 'SHIFTSTREAM').join('\n')}\n`);
    return Promise.resolve(EXIT_CODES.ok);
  },
};

function snake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function envLines(obj: Record<string, unknown>, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const name = `${prefix}${prefix === 'SHIFTSTREAM' ? '_' : '__'}${snake(k)}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      out.push(...envLines(v as Record<string, unknown>, name));
    else out.push(`${name}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  return out;
}
