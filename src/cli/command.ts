// The shape every CLI command implements. Commands live in src/cli/commands/<name>.ts and are
// listed in src/cli/commands/index.ts.
import type { Writable } from 'node:stream';

export interface CommandContext {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly cwd: string;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
}

export interface CommandDef {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text, with examples. */
  readonly help: string;
  /** Returns the process exit code (see EXIT_CODES). */
  run(ctx: CommandContext): Promise<number>;
}

/** Exit codes, documented in the README. */
export const EXIT_CODES = {
  ok: 0,
  /** A check failed: doctor found a problem, lint found errors, reconcile found differences. */
  checkFailed: 1,
  /** Bad flags, bad arguments or an unreadable file. */
  usage: 2,
  /** Invalid configuration or topology. */
  config: 3,
  /** A server (Kafka, registry, Redis, Odoo) failed and retries ran out. */
  infrastructure: 4,
  /** A bug: an invariant broke. */
  internal: 70,
  /** Stopped by SIGINT. */
  interrupted: 130,
} as const;
