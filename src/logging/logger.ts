// The one root logger (pino) and the redaction list for secrets. The composition root creates it
// once and passes it in; components take child loggers (see child.ts). The core never logs.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { createPrettyStream } from './pretty.js';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;

export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LogLevel[];

/** What replaces a redacted value. The same spelling as the config redaction (`[redacted]`). */
export const REDACTED = '[redacted]';

/**
 * Paths whose values are never written. pino's redaction matches exact paths and one-level
 * wildcards, so each secret name is listed at the top level and up to three levels deep, plus
 * where the config object keeps it (`config.kafka.sasl.password`, ...). HTTP header objects are
 * covered under `headers` and `req.headers`.
 */
export const REDACT_PATHS: readonly string[] = (() => {
  const names = ['apiKey', 'api_key', 'password', 'secret', 'token', 'authorization', 'Authorization'];
  const paths: string[] = [];
  for (const name of names) {
    paths.push(name, `*.${name}`, `*.*.${name}`, `*.*.*.${name}`);
  }
  paths.push(
    'sasl.password',
    '*.sasl.password',
    'config.kafka.sasl.password',
    'config.registry.password',
    'config.redis.password',
    'config.odoo.apiKey',
    'headers.authorization',
    'headers.cookie',
    'req.headers.authorization',
    'req.headers.cookie',
  );
  return paths;
})();

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Human-readable single lines instead of JSON (for terminals). Default false. */
  readonly pretty?: boolean;
  /** Where lines go. Default: stdout (fd 1) for JSON, stderr for pretty. */
  readonly destination?: DestinationStream;
  /** Fields on every line, e.g. `{ service: 'shiftstream' }`. */
  readonly base?: Readonly<Record<string, unknown>>;
}

export function createLogger(options: LoggerOptions): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(options.level)) {
    throw new TypeError(
      `createLogger: level must be one of ${LOG_LEVELS.join(', ')}; found '${String(options.level)}'`,
    );
  }
  const pretty = options.pretty === true;
  const destination = options.destination ?? (pretty ? process.stderr : pino.destination({ dest: 1, sync: false }));
  return pino(
    {
      level: options.level,
      base: { ...(options.base ?? {}) },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    pretty ? createPrettyStream(destination) : destination,
  );
}
