#!/usr/bin/env node
// npm's `prepare` (run by `npm ci` and `npm install` in a clone): builds dist/, so the CLI works
// right after installing. Where the sources are absent (the Docker build stage runs `npm ci`
// before it copies src/) or TypeScript is not installed (`--omit=dev`), it says so and builds
// nothing: bin/shiftstream.js then names the command to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// No imports of our own: the Docker build copies this file alone before `npm ci`.
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(join(ROOT, 'src')) || !existsSync(join(ROOT, 'tsconfig.build.json'))) {
  process.stdout.write('shiftstream prepare: no src/ or tsconfig.build.json here, nothing to build\n');
} else if (!existsSync(TSC)) {
  process.stdout.write("shiftstream prepare: TypeScript is not installed (--omit=dev?), run 'npm run build' later\n");
} else {
  const r = spawnSync(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`shiftstream prepare: the build (tsc -p tsconfig.build.json) failed (exit ${r.status})\n`);
    process.exitCode = 1;
  } else process.stdout.write('shiftstream prepare: built dist/ (npx shiftstream --help)\n');
}
