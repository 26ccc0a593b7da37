// Shared flag parsing and start-up for the Odoo service commands (post, dlq, reconcile, orders).
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, splitConfigArgs } from '../config/index.js';
import type { Config } from '../config/types.js';
import { parseDuration } from '../config/durations.js';
import { UsageError } from '../errors.js';
import { createLogger, type Logger } from '../logging/index.js';
import { loadTopology } from '../topology/index.js';
import type { TopologyPlan } from '../topology/types.js';

export interface CommandStart<V> {
  readonly config: Config;
  readonly plan: TopologyPlan;
  readonly values: V;
  readonly logger: Logger;
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export type FlagValues = Record<string, string | boolean | undefined>;

/** Parses `--topology` + the command's flags; config flags (`--<section>.<key>`) are returned apart. */
export function parseCommandFlags<O extends Options>(
  command: string,
  argv: readonly string[],
  options: O,
): { readonly values: FlagValues; readonly configArgs: string[] } {
  const { config: configArgs, rest } = splitConfigArgs(argv);
  let values: FlagValues;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: { topology: { type: 'string' }, ...options },
    }) as { values: FlagValues });
  } catch (err) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${command}: ${(err as Error).message}. See 'shiftstream ${command} --help'.`,
      { cause: err },
    );
  }
  const topology = values['topology'];
  if (typeof topology !== 'string' || topology === '')
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${command}: expected --topology <file>, found none. See 'shiftstream ${command} --help'.`,
    );
  return { values, configArgs };
}

/** Loads the configuration and the `--topology` of parsed flags, and the command's logger. */
export function loadCommandInputs(
  command: string,
  parsed: { readonly values: FlagValues; readonly configArgs: string[] },
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): CommandStart<FlagValues> {
  const config = loadConfig({ env, argv: parsed.configArgs });
  const plan = loadTopology(resolve(cwd, parsed.values['topology'] as string));
  const logger = createLogger({
    level: config.log.level,
    destination: process.stderr,
    base: { command, plantId: plan.plant.plantId },
  });
  return { config, plan, values: parsed.values, logger };
}

/** Parses `--topology` + the command's flags + config flags; loads config and topology. */
export function startCommand<O extends Options>(
  command: string,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  options: O,
): CommandStart<FlagValues> {
  return loadCommandInputs(command, parseCommandFlags(command, argv, options), env, cwd);
}

export function durationFlag(
  command: string,
  name: string,
  value: string | boolean | undefined,
  fallbackMs: number,
): number {
  if (value === undefined) return fallbackMs;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || ms <= 0)
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${command} --${name}: expected a positive duration such as 500ms, 5s or 2m, found ${JSON.stringify(value)}`,
    );
  return ms;
}

export function intFlag(command: string, name: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${command} --${name}: expected a positive integer, found ${JSON.stringify(value)}`,
    );
  return n;
}

/** `2026-03-02`, `2026-03-02T06:00:00Z`, or epoch ms -> epoch ms. */
export function timeFlag(command: string, name: string, value: string | boolean | undefined): number {
  if (typeof value !== 'string' || value === '')
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${command}: expected --${name} <time> (ISO 8601 such as 2026-03-02T06:00:00Z, or epoch ms), found none`,
    );
  const ms = /^\d+$/.test(value)
    ? Number(value)
    : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms))
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${command} --${name}: expected an ISO 8601 time such as ` +
        `2026-03-02T06:00:00Z (or epoch ms), found ${JSON.stringify(value)}`,
    );
  return ms;
}

/** Resolves when the signal aborts (already aborted: at once). */
export function aborted(signal: AbortSignal): Promise<void> {
  return signal.aborted
    ? Promise.resolve()
    : new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
}
