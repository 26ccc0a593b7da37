// CLI entry: dispatches to a command, maps errors to exit codes, wires SIGINT/SIGTERM.
import { ShiftstreamError } from '../errors.js';
import { EXIT_CODES, type CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';

const VERSION = '0.1.0';

/** The command list with summaries (loads every command module: only for --help). */
export async function usage(): Promise<string> {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 8);
  const defs = await Promise.all(COMMANDS.map((c) => c.load()));
  const lines = defs.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'shiftstream: shop-floor telemetry to exact shift figures in Odoo',
    '',
    'Usage: shiftstream <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'shiftstream <command> --help' for a command's options and examples.",
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], overrides: Partial<CommandContext> = {}): Promise<number> {
  const stdout = overrides.stdout ?? process.stdout;
  const stderr = overrides.stderr ?? process.stderr;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(await usage());
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  if (name === '--version' || name === '-v') {
    stdout.write(`shiftstream ${VERSION}\n`);
    return EXIT_CODES.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    stderr.write(
      `shiftstream: unknown command '${name}'. Expected one of: ${COMMANDS.map((c) => c.name).join(', ')}.\n`,
    );
    return EXIT_CODES.usage;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return EXIT_CODES.ok;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  if (overrides.signal === undefined) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    return await command.run({
      argv: rest,
      env: overrides.env ?? process.env,
      stdout,
      stderr,
      cwd: overrides.cwd ?? process.cwd(),
      signal: overrides.signal ?? controller.signal,
    });
  } catch (err) {
    return reportError(err, stderr);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function reportError(err: unknown, stderr: NodeJS.WritableStream): number {
  if (err instanceof ShiftstreamError) {
    stderr.write(`shiftstream: ${err.message}\n`);
    if (err.cause instanceof Error) stderr.write(`  caused by: ${err.cause.message}\n`);
    switch (err.code) {
      case 'SHIFTSTREAM_USAGE':
      case 'SHIFTSTREAM_INPUT_INVALID':
      case 'SHIFTSTREAM_TOPOLOGY_NOT_FOUND':
        return EXIT_CODES.usage;
      case 'SHIFTSTREAM_CONFIG_INVALID':
      case 'SHIFTSTREAM_TOPOLOGY_INVALID':
      case 'SHIFTSTREAM_SCHEMA_INVALID':
      case 'SHIFTSTREAM_ODOO_MASTER_DATA':
        return EXIT_CODES.config;
      case 'SHIFTSTREAM_INVARIANT':
        return EXIT_CODES.internal;
      default:
        return EXIT_CODES.infrastructure;
    }
  }
  stderr.write(`shiftstream: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT_CODES.internal;
}
