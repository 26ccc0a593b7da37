#!/usr/bin/env node
// What `npm test` runs after build and typecheck:
//   1. vitest --project unit                      (skipped with --integration-only)
//   2. bring up Kafka, the registry and Redis     (scripts/infra.mjs; explicit env addresses win)
//   3. vitest --project integration               (addresses passed in the environment)
//   4. stop what step 2 started: also when tests fail, on SIGINT/SIGTERM, or when step 2 fails half-way.
// Exits non-zero on any failure. Extra arguments go to both vitest runs (e.g. a file filter).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { down, ENV_FILE_PATH, up } from './infra.mjs';
import { ROOT } from './infra/util.mjs';

const argv = process.argv.slice(2);
const integrationOnly = argv.includes('--integration-only');
const passThrough = argv.filter((a) => a !== '--integration-only');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

let child = null;
let interrupted = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = sig;
    process.stdout.write(`\n[test] ${sig}: stopping the tests, then the servers this run started\n`);
    if (child) child.kill(sig);
  });
}

function vitest(project, env) {
  return new Promise((resolve) => {
    const args = [VITEST, 'run', '--project', project, ...passThrough];
    process.stdout.write(`[test] $ vitest ${args.slice(1).join(' ')}\n`);
    child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env });
    child.on('exit', (code, signal) => {
      child = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const t0 = Date.now();
const failures = [];

if (!existsSync(VITEST)) {
  process.stderr.write(`[test] vitest not found at ${VITEST}: run 'npm ci' first\n`);
  process.exit(1);
}

if (!integrationOnly) {
  const t = Date.now();
  const code = await vitest('unit', process.env);
  process.stdout.write(
    `[test] unit tests: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds(Date.now() - t)}\n`,
  );
  if (code !== 0) failures.push('unit tests');
}

let leased = false;
if (!interrupted) {
  const t = Date.now();
  try {
    leased = true;
    const infra = await up({ lease: true });
    process.stdout.write(
      `[test] servers ready in ${seconds(Date.now() - t)} (started ` +
        `by this run: ${infra.started.join(', ') || 'none'})\n`,
    );
    if (!interrupted) {
      const ti = Date.now();
      const env = { ...process.env, ...infra.env, SHIFTSTREAM_INFRA_ENV_FILE: ENV_FILE_PATH };
      const code = await vitest('integration', env);
      process.stdout.write(
        `[test] integration tests: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds(Date.now() - ti)}\n`,
      );
      if (code !== 0) failures.push('integration tests');
    }
  } catch (err) {
    process.stderr.write(`[test] servers could not be brought up: ${err.message}\n`);
    failures.push('infrastructure');
  } finally {
    if (leased) {
      try {
        await down({ lease: true });
      } catch (err) {
        process.stderr.write(`[test] stopping the servers failed: ${err.message}\n`);
        failures.push('infrastructure shutdown');
      }
    }
  }
}

if (interrupted) failures.push(`interrupted by ${interrupted}`);
process.stdout.write(
  `[test] ${failures.length === 0 ? 'all passed' : `FAILED: ${failures.join(', ')}`} in ${seconds(Date.now() - t0)}\n`,
);
process.exit(failures.length === 0 ? 0 : interrupted ? 130 : 1);
