// StateStore on Redis (ioredis). One key per checkpoint: `<prefix>checkpoint:<key>` holding a
// small binary header and the snapshot, written with one SET, so a reader sees the old or the new
// checkpoint, never a mix.
//   header: magic "SSCP" (4) | version u8 (1) | savedAtMs f64 BE (8) | offset length u16 BE (2) | offset ASCII
//   then:   snapshot bytes
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { readCaFile } from '../../config/ca-file.js';
import type { Config } from '../../config/types.js';
import { ConfigError, RedisError } from '../../errors.js';
import type { Checkpoint, StateStore } from '../../ports/state-store.js';

const MAGIC = Buffer.from('SSCP');
const VERSION = 1;
const FIXED = MAGIC.length + 1 + 8 + 2;

export interface RedisStateStoreOptions {
  /** Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Default 5 s. */
  readonly commandTimeoutMs?: number;
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  if (!/^\d+$/.test(c.offset) || c.offset.length > 0xffff)
    throw new RedisError(
      'SHIFTSTREAM_REDIS',
      `checkpoint offset must be a non-negative integer string, found ${JSON.stringify(c.offset)}`,
      { retryable: false },
    );
  const header = Buffer.allocUnsafe(FIXED + c.offset.length);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION, 4);
  header.writeDoubleBE(c.savedAtMs, 5);
  header.writeUInt16BE(c.offset.length, 13);
  header.write(c.offset, FIXED, 'latin1');
  return Buffer.concat([header, c.snapshot]);
}

export function decodeCheckpoint(buf: Buffer, where: string): Checkpoint {
  if (buf.length < FIXED || !buf.subarray(0, 4).equals(MAGIC)) {
    throw new RedisError(
      'SHIFTSTREAM_REDIS',
      `${where}: expected a checkpoint starting with "SSCP", found ${buf.length} ` +
        `bytes starting ${JSON.stringify(buf.subarray(0, 4).toString('latin1'))}`,
      { retryable: false },
    );
  }
  const version = buf.readUInt8(4);
  if (version !== VERSION)
    throw new RedisError('SHIFTSTREAM_REDIS', `${where}: checkpoint version ${version}, expected ${VERSION}`, {
      retryable: false,
    });
  const offsetLength = buf.readUInt16BE(13);
  if (buf.length < FIXED + offsetLength)
    throw new RedisError(
      'SHIFTSTREAM_REDIS',
      `${where}: checkpoint truncated: header needs ${FIXED + offsetLength} bytes, found ${buf.length}`,
      { retryable: false },
    );
  return {
    savedAtMs: buf.readDoubleBE(5),
    offset: buf.toString('latin1', FIXED, FIXED + offsetLength),
    snapshot: Buffer.from(buf.subarray(FIXED + offsetLength)),
  };
}

/**
 * ioredis options from the configuration's `redis` section: host, port and db from redis.url; user and password
 * from redis.username / redis.password, else from the URL (ioredis itself would let a password in
 * the URL silently win over the configured secret); TLS for rediss:// or redis.tls, verified
 * against redis.tlsCaPath when set, else the system CAs.
 */
export function redisOptionsFromConfig(r: Config['redis'], options: RedisStateStoreOptions = {}): RedisOptions {
  const url = new URL(r.url);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new ConfigError(
      'SHIFTSTREAM_CONFIG_INVALID',
      `redis.url: expected a database number after the host (redis://host:port/2), ` +
        `found ${JSON.stringify(url.pathname)} in ${redisAddress(r.url)}`,
    );
  }
  const out: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 6379 : Number(url.port),
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: true,
    // Reconnect with capped backoff; commands fail fast meanwhile (maxRetriesPerRequest).
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 3_000),
  };
  if (db !== '') out.db = Number(db);
  const username = r.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username));
  const password = r.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  if (r.tls || url.protocol === 'rediss:')
    out.tls = r.tlsCaPath === undefined ? {} : { ca: readCaFile('redis.tlsCaPath', r.tlsCaPath) };
  return out;
}

/** `redis://user:pw@host:port/db` without the credentials, for messages. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparsable redis url)';
  }
}

/** What to check when Redis refused the credentials or the TLS certificate; undefined otherwise. */
function refusal(err: Error): string | undefined {
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(err.message))
    return 'check redis.username and redis.password';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|ERR_TLS/.test(code))
    return 'check redis.tlsCaPath: the CA must have signed the server certificate, which must name the host';
  return undefined;
}

export class RedisStateStore implements StateStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly address: string;
  private connecting: Promise<void> | undefined;
  /** The connection's last error since it was last ready: the real reason behind "Connection is closed.". */
  private connectionError: Error | undefined;

  constructor(redis: Config['redis'], options: RedisStateStoreOptions = {}) {
    this.prefix = `${redis.keyPrefix}checkpoint:`;
    this.address = redisAddress(redis.url);
    this.redis = new Redis(redisOptionsFromConfig(redis, options));
    // Connection errors surface through the failing command (with this reason); this listener
    // also keeps ioredis from logging them.
    this.redis.on('error', (err: Error) => {
      this.connectionError = err;
    });
    this.redis.on('ready', () => {
      this.connectionError = undefined;
    });
  }

  private async guard<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      if (this.redis.status === 'wait') this.connecting ??= this.redis.connect();
      if (this.connecting !== undefined) await this.connecting;
      return await fn();
    } catch (cause) {
      if (cause instanceof RedisError) throw cause;
      this.connecting = undefined;
      const conn = this.connectionError;
      const refused = conn === undefined ? undefined : refusal(conn);
      const reason =
        conn === undefined || conn.message === (cause as Error).message
          ? (cause as Error).message
          : `${(cause as Error).message} The connection failed with: ${conn.message}`;
      throw new RedisError(
        'SHIFTSTREAM_REDIS',
        `redis state store (${this.address}): ${what} of ${JSON.stringify(this.prefix + key)} ` +
          `failed: ${reason}${refused === undefined ? '' : ` (${refused})`}`,
        {
          cause: conn ?? cause,
          details: { address: this.address, key: this.prefix + key, operation: what },
          // A refused login or certificate does not heal by retrying.
          ...(refused === undefined ? {} : { retryable: false }),
        },
      );
    }
  }

  load(key: string): Promise<Checkpoint | undefined> {
    return this.guard('load', key, async () => {
      const buf = await this.redis.getBuffer(this.prefix + key);
      return buf === null
        ? undefined
        : decodeCheckpoint(buf, `redis state store (${this.address}) key ${JSON.stringify(this.prefix + key)}`);
    });
  }

  save(key: string, checkpoint: Checkpoint): Promise<void> {
    return this.guard('save', key, async () => {
      await this.redis.set(this.prefix + key, encodeCheckpoint(checkpoint));
    });
  }

  delete(key: string): Promise<void> {
    return this.guard('delete', key, async () => {
      await this.redis.del(this.prefix + key);
    });
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end' || this.redis.status === 'wait') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
