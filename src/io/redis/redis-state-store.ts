// StateStore on Redis (ioredis). One key per checkpoint: `<prefix>checkpoint:<key>` holding a
// small binary header and the snapshot, written with one SET, so a reader sees the old or the new
// checkpoint, never a mix.
//   version 1 (`save`): magic "SSCP" (4) | version u8 = 1 | savedAtMs f64 BE (8) | offset length u16 BE (2)
//                       | offset ASCII | snapshot bytes
//   version 2 (a chain, `saveBase` + `append`): magic | version u8 = 2 | chain id (8 random bytes)
//                       | savedAtMs | offset length | offset | snapshot length u32 BE | snapshot
//                       | then one frame per delta: frame length u32 BE (of the rest) | savedAtMs f64 BE
//                       | offset length u16 BE | offset | delta bytes
// A base is one SET (it drops the deltas with the old value); a delta is one APPEND of one frame,
// so the delta and the offset it covers land together or not at all, and one GET reads a whole
// chain. The APPEND runs in a script that first checks the chain id and the value's length: a
// writer whose chain has been replaced or extended by another (a zombie after a rebalance) writes
// nothing and learns it (then it writes a base, as a whole SET would have).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { readCaFile } from '../../config/ca-file.js';
import type { Config } from '../../config/types.js';
import { ConfigError, RedisError } from '../../errors.js';
import type { Checkpoint, CheckpointChain, StateStore } from '../../ports/state-store.js';

const MAGIC = Buffer.from('SSCP');
const VERSION = 1;
const VERSION_CHAIN = 2;
const FIXED = MAGIC.length + 1 + 8 + 2;
const CHAIN_ID_BYTES = 8;
/** Fixed part of a version-2 header: magic, version, chain id, savedAtMs, offset length. */
const FIXED_CHAIN = MAGIC.length + 1 + CHAIN_ID_BYTES + 8 + 2;

/** APPEND ARGV[3] when bytes 4..12 (version + chain id) are ARGV[1] and the length is ARGV[2]; else -1. */
const APPEND_IF_CHAIN = `
if redis.call('STRLEN', KEYS[1]) ~= tonumber(ARGV[2]) then return -1 end
if redis.call('GETRANGE', KEYS[1], 4, ${4 + CHAIN_ID_BYTES}) ~= ARGV[1] then return -1 end
return redis.call('APPEND', KEYS[1], ARGV[3])`;

function checkOffset(offset: string): void {
  if (!/^\d+$/.test(offset) || offset.length > 0xffff)
    throw new RedisError(
      'SHIFTSTREAM_REDIS',
      `checkpoint offset must be a non-negative integer string, found ${JSON.stringify(offset)}`,
      { retryable: false },
    );
}

/** A version-2 value holding `base` and no deltas, with its chain id. */
export function encodeChainBase(c: Checkpoint, chainId: Buffer): Buffer {
  checkOffset(c.offset);
  const header = Buffer.allocUnsafe(FIXED_CHAIN + c.offset.length + 4);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION_CHAIN, 4);
  chainId.copy(header, 5, 0, CHAIN_ID_BYTES);
  header.writeDoubleBE(c.savedAtMs, 5 + CHAIN_ID_BYTES);
  header.writeUInt16BE(c.offset.length, 13 + CHAIN_ID_BYTES);
  header.write(c.offset, FIXED_CHAIN, 'latin1');
  header.writeUInt32BE(c.snapshot.length, FIXED_CHAIN + c.offset.length);
  return Buffer.concat([header, c.snapshot]);
}

/** One delta frame, to append to a version-2 value. */
export function encodeChainFrame(c: Checkpoint): Buffer {
  checkOffset(c.offset);
  const header = Buffer.allocUnsafe(4 + 8 + 2 + c.offset.length);
  header.writeUInt32BE(header.length - 4 + c.snapshot.length, 0);
  header.writeDoubleBE(c.savedAtMs, 4);
  header.writeUInt16BE(c.offset.length, 12);
  header.write(c.offset, 14, 'latin1');
  return Buffer.concat([header, c.snapshot]);
}

/** A stored value as a chain (a version-1 value: a base that cannot be extended). */
export function decodeCheckpointChain(buf: Buffer, where: string): CheckpointChain {
  const version = checkHeader(buf, where);
  if (version === VERSION) return { base: decodeCheckpoint(buf, where), deltas: [], token: undefined };
  const truncated = (what: string, need: number): RedisError =>
    new RedisError(
      'SHIFTSTREAM_REDIS',
      `${where}: checkpoint truncated: ${what} needs ${need} bytes, found ${buf.length}`,
      {
        retryable: false,
      },
    );
  if (buf.length < FIXED_CHAIN) throw truncated('header', FIXED_CHAIN);
  const offsetLength = buf.readUInt16BE(13 + CHAIN_ID_BYTES);
  const snapAt = FIXED_CHAIN + offsetLength + 4;
  if (buf.length < snapAt) throw truncated('header', snapAt);
  const snapEnd = snapAt + buf.readUInt32BE(snapAt - 4);
  if (buf.length < snapEnd) throw truncated('base', snapEnd);
  const base: Checkpoint = {
    savedAtMs: buf.readDoubleBE(5 + CHAIN_ID_BYTES),
    offset: buf.toString('latin1', FIXED_CHAIN, FIXED_CHAIN + offsetLength),
    snapshot: Buffer.from(buf.subarray(snapAt, snapEnd)),
  };
  const deltas: Checkpoint[] = [];
  for (let at = snapEnd; at < buf.length;) {
    if (buf.length < at + 14) throw truncated(`delta ${deltas.length + 1}`, at + 14);
    const end = at + 4 + buf.readUInt32BE(at);
    const len = buf.readUInt16BE(at + 12);
    if (buf.length < end || end < at + 14 + len) throw truncated(`delta ${deltas.length + 1}`, end);
    deltas.push({
      savedAtMs: buf.readDoubleBE(at + 4),
      offset: buf.toString('latin1', at + 14, at + 14 + len),
      snapshot: Buffer.from(buf.subarray(at + 14 + len, end)),
    });
    at = end;
  }
  return { base, deltas, token: chainToken(buf.subarray(5, 5 + CHAIN_ID_BYTES), buf.length) };
}

function chainToken(chainId: Buffer, length: number): string {
  return `${chainId.toString('hex')}:${length}`;
}

function checkHeader(buf: Buffer, where: string): number {
  if (buf.length < FIXED || !buf.subarray(0, 4).equals(MAGIC)) {
    throw new RedisError(
      'SHIFTSTREAM_REDIS',
      `${where}: expected a checkpoint starting with "SSCP", found ${buf.length} ` +
        `bytes starting ${JSON.stringify(buf.subarray(0, 4).toString('latin1'))}`,
      { retryable: false },
    );
  }
  const version = buf.readUInt8(4);
  if (version !== VERSION && version !== VERSION_CHAIN)
    throw new RedisError(
      'SHIFTSTREAM_REDIS',
      `${where}: checkpoint version ${version}, expected ${VERSION} or ${VERSION_CHAIN}`,
      { retryable: false },
    );
  return version;
}

export interface RedisStateStoreOptions {
  /** Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Default 5 s. */
  readonly commandTimeoutMs?: number;
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  checkOffset(c.offset);
  const header = Buffer.allocUnsafe(FIXED + c.offset.length);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION, 4);
  header.writeDoubleBE(c.savedAtMs, 5);
  header.writeUInt16BE(c.offset.length, 13);
  header.write(c.offset, FIXED, 'latin1');
  return Buffer.concat([header, c.snapshot]);
}

/** A version-1 value, or the base of a version-2 one (a consistent state and offset as well). */
export function decodeCheckpoint(buf: Buffer, where: string): Checkpoint {
  if (checkHeader(buf, where) === VERSION_CHAIN) return decodeCheckpointChain(buf, where).base;
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

  loadChain(key: string): Promise<CheckpointChain | undefined> {
    return this.guard('load', key, async () => {
      const buf = await this.redis.getBuffer(this.prefix + key);
      return buf === null
        ? undefined
        : decodeCheckpointChain(buf, `redis state store (${this.address}) key ${JSON.stringify(this.prefix + key)}`);
    });
  }

  saveBase(key: string, base: Checkpoint): Promise<string> {
    return this.guard('save', key, async () => {
      const chainId = randomBytes(CHAIN_ID_BYTES);
      const value = encodeChainBase(base, chainId);
      await this.redis.set(this.prefix + key, value);
      return chainToken(chainId, value.length);
    });
  }

  append(key: string, delta: Checkpoint, token: string): Promise<string | undefined> {
    return this.guard('append', key, async () => {
      const [hex, length] = token.split(':') as [string, string];
      const frame = encodeChainFrame(delta);
      const expect = Buffer.concat([Buffer.from([VERSION_CHAIN]), Buffer.from(hex, 'hex')]);
      const r = (await this.redis.eval(APPEND_IF_CHAIN, 1, this.prefix + key, expect, length, frame)) as number;
      return r < 0 ? undefined : `${hex}:${r}`;
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
