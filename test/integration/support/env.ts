// Addresses of the real servers for integration tests. scripts/test.mjs (npm test) brings them up
// and passes them in the environment; explicit SHIFTSTREAM_* addresses point at an existing cluster.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export interface IntegrationEnv {
  readonly brokers: readonly string[];
  /** Confluent-compatible base URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  readonly registryUrl: string;
  readonly redisUrl: string;
  /** What scripts/infra.mjs recorded (absent when pointed at an existing cluster). */
  readonly launched: LaunchedInfo | null;
}

export interface LaunchedInfo {
  readonly kafka?: {
    readonly version?: string;
    readonly metadataVersion?: { readonly level: number; readonly name: string } | null;
    readonly logPath?: string;
  };
  readonly registry?: { readonly version?: string; readonly logPath?: string };
}

const REQUIRED = ['SHIFTSTREAM_KAFKA__BROKERS', 'SHIFTSTREAM_REGISTRY__URL', 'SHIFTSTREAM_REDIS__URL'] as const;

export function integrationEnv(env: NodeJS.ProcessEnv = process.env): IntegrationEnv {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `integration tests need ${missing.join(', ')} in the environment, found them unset. ` +
        "Run them with 'npm test' or 'npm run test:integration' (which start the servers), " +
        'or set the addresses of an existing cluster.',
    );
  }
  const file = env.SHIFTSTREAM_INFRA_ENV_FILE;
  const launched = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LaunchedInfo) : null;
  return {
    brokers: (env.SHIFTSTREAM_KAFKA__BROKERS ?? '').split(',').map((b) => b.trim()),
    registryUrl: env.SHIFTSTREAM_REGISTRY__URL ?? '',
    redisUrl: env.SHIFTSTREAM_REDIS__URL ?? '',
    launched,
  };
}

/** A topic or group name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Short client deadlines so a stopped broker fails a test in seconds with the client's own
 * "connection refused"/timeout message instead of hanging until the test timeout.
 */
export const FAIL_FAST = {
  kafkajs: {
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
  },
  rdkafka: {
    'socket.connection.setup.timeout.ms': 3_000,
    'socket.timeout.ms': 10_000,
    'message.timeout.ms': 15_000,
    'metadata.request.timeout.ms': 10_000,
  } as Record<string, number>,
} as const;

/** Awaits `probe()` returning a value (not undefined) before the deadline; no fixed sleeps. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not reached within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
