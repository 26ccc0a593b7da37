#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (`npm ci` builds it through `prepare`; or
// `npm run build`). Without it, one line says what to run instead of a module-resolution stack.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'cli', 'main.js');
const notBuilt = (what) => {
  process.stderr.write(`shiftstream: ${what}: run 'npm run build' in ${root} (npm ci also builds it)\n`);
  process.exit(1);
};
if (!existsSync(entry)) notBuilt('the CLI is not built (dist/cli/main.js is missing)');

// A promise nobody awaited failed: a bug. Say so and exit with the documented internal code.
process.on('unhandledRejection', (err) => {
  process.stderr.write(
    `shiftstream: internal error (unhandled rejection): ` +
      `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(70);
});

let cli;
try {
  cli = await import(pathToFileURL(entry).href);
} catch (err) {
  // A dist/ from an older checkout that lacks a module the current one imports.
  const missing = err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(`'${join(root, 'dist')}`);
  if (missing) notBuilt(`dist/ is incomplete or out of date (${err.message.split('\n')[0]})`);
  throw err;
}
process.exitCode = await cli.main(process.argv.slice(2));
