#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).
import { main } from '../dist/cli/main.js';

// A promise nobody awaited failed: a bug. Say so and exit with the documented internal code.
process.on('unhandledRejection', (err) => {
  process.stderr.write(
    `shiftstream: internal error (unhandled rejection): ` +
      `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(70);
});

process.exitCode = await main(process.argv.slice(2));
