// Command-line options of the bench scripts: node:util parseArgs plus what a user expects of a tool.
// `--help` (or `-h`) prints the script's header comment (its usage) and its options, then exits 0;
// an unknown option or a missing value prints what was wrong and how to get help, then exits 2,
// instead of a parseArgs stack trace.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The leading `//` comment block of a script (after the shebang), without the comment markers. */
export function headerComment(text) {
  const lines = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#!')) continue;
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, ''));
  }
  return lines.join('\n');
}

/** One line per option: `--name <value>` or `--name`, with its default. */
export function optionLines(options) {
  return Object.entries(options).map(([name, o]) => {
    const flag = `--${name}${o.type === 'string' ? ' <value>' : ''}${o.multiple ? ' (repeatable)' : ''}`;
    const dflt = o.default === undefined ? '' : `  (default: ${JSON.stringify(o.default)})`;
    return `  ${flag}${dflt}`;
  });
}

/**
 * parseArgs for a bench script (`moduleUrl` = its import.meta.url): same config and result, plus
 * `--help` and clear errors. `args` defaults to process.argv after the script.
 */
export function benchArgs(moduleUrl, config, args = process.argv.slice(2)) {
  const file = fileURLToPath(moduleUrl);
  const name = relative(process.cwd(), file) || file;
  if (args.includes('--help') || args.includes('-h')) {
    const usage = headerComment(readFileSync(file, 'utf8'));
    process.stdout.write(`${usage ? `${usage}\n\n` : ''}Usage: node ${name} [options]\nOptions:\n`);
    process.stdout.write(`${[...optionLines(config.options ?? {}), '  --help, -h  this text'].join('\n')}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ ...config, args });
  } catch (err) {
    if (typeof err?.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${name}: ${err.message}\nRun \`node ${name} --help\` for its options.\n`);
      process.exit(2);
    }
    throw err;
  }
}
