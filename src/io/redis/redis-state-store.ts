// StateStore on Redis (ioredis). One key per checkpoint: `<prefix>checkpoint:<key>` holding a
// small binary header and the snapshot, written with one SET, so a reader sees the old or the new
// checkpoint, never a mix.
//   header: magic "SSCP" (4) | version u8 (1) | savedAtMs f64 BE (8) | offset length u16 BE (2) | offset ASCII
//   then:   snapshot bytes
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { Config } from '../../config/types.js';
import { RedisError } from '../../errors.js';
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
  if (!/^\d+$/.test(c.offset) || c.offset.length > 0xffff) throw new RedisError('SHIFTSTREAM_REDIS', `checkpoint offset must be a non-negative integer string, found ${JSON.stringify(c.offset)}`, { retryable: false });
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
    throw new RedisError('SHIFTSTREAM_REDIS', `${where}: expected a checkpoint starting with "SSCP", found ${buf.length} bytes starting ${JSON.stringify(buf.subarray(0, 4).toString('latin1'))}`, { retryable: false });
  }
  const version = buf.readUInt8(4);
  if (version !== VERSION) throw new RedisError('SHIFTSTREAM_REDIS', `${where}: checkpoint version ${version}, expected ${VERSION}`, { retryable: false });
  const offsetLength = buf.readUInt16BE(13);
  if (buf.length < FIXED + offsetLength) throw new RedisError('SHIFTSTREAM_REDIS', `${where}: checkpoint truncated: header needs ${FIXED + offsetLength} bytes, found ${buf.length}`, { retryable: false });
  return {
    savedAtMs: buf.readDoubleBE(5),
    offset: buf.toString('latin1', FIXED, FIXED + offsetLength),
    snapshot: Buffer.from(buf.subarray(FIXED + offsetLength)),
  };
}

export function redisOptionsFromConfig(config: Config, options: RedisStateStoreOptions = {}): RedisOptions {
  const r = config.redis;
  const out: RedisOptions = {
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: true,
    // Reconnect with capped backoff; commands fail fast meanwhile (maxRetriesPerRequest).
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 3_000),
  };
  if (r.password !== undefined) out.password = r.password;
  if (r.tls || r.url.startsWith('rediss://')) out.tls = {};
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

export class RedisStateStore implements StateStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly address: string;
  private connecting: Promise<void> | undefined;

  constructor(config: Config, options: RedisStateStoreOptions = {}) {
    this.prefix = `${config.redis.keyPrefix}checkpoint:`;
    this.address = redisAddress(config.redis.url);
    this.redis = new Redis(config.redis.url, redisOptionsFromConfig(config, options));
    // Connection errors surface through the failing command; keep ioredis from logging them.
    this.redis.on('error', () => undefined);
  }

  private async guard<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      if (this.redis.status === 'wait') this.connecting ??= this.redis.connect();
      if (this.connecting !== undefined) await this.connecting;
      return await fn();
    } catch (cause) {
      if (cause instanceof RedisError) throw cause;
      this.connecting = undefined;
      throw new RedisError('SHIFTSTREAM_REDIS', `redis state store (${this.address}): ${what} of ${JSON.stringify(this.prefix + key)} failed: ${(cause as Error).message}`, {
        cause,
        details: { address: this.address, key: this.prefix + key, operation: what },
      });
    }
  }

  load(key: string): Promise<Checkpoint | undefined> {
    return this.guard('load', key, async () => {
      const buf = await this.redis.getBuffer(this.prefix + key);
      return buf === null ? undefined : decodeCheckpoint(buf, `redis state store (${this.address}) key ${JSON.stringify(this.prefix + key)}`);
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
