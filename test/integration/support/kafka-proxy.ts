// A TCP proxy in front of the shared Kafka broker that a test can cut (every connection reset, new
// ones refused) and restore, without touching the broker. Kafka clients connect to the address the
// broker advertises, so the proxy rewrites the broker addresses in Metadata (v1..v13) and
// FindCoordinator (v1..v2) responses to its own: every connection of the client then goes through
// it. Those are the versions kafkajs (Metadata v1..v8) and librdkafka (v9..v13, flexible) use; any
// other version of the two is an error here (the test would silently bypass the proxy otherwise).
import { createServer, connect, type Server, type Socket } from 'node:net';

const METADATA = 3;
const FIND_COORDINATOR = 10;

export interface KafkaProxy {
  /** `127.0.0.1:<port>`, for `kafka.brokers`. */
  readonly address: string;
  /** Resets every connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  /** Connections accepted so far (a test can check the client really went through the proxy). */
  accepted(): number;
  close(): Promise<void>;
}

/** A Kafka STRING (int16 length + bytes). */
function kString(s: string): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(s));
  b.writeInt16BE(Buffer.byteLength(s), 0);
  b.write(s, 2);
  return b;
}

function skipString(buf: Buffer, off: number): number {
  const len = buf.readInt16BE(off);
  return off + 2 + Math.max(0, len);
}

/** An unsigned varint (flexible versions) at `off`: its value and the offset after it. */
function readUVarint(buf: Buffer, off: number): [number, number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = buf[off++]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, off];
  }
}

function uVarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Skips a tagged-field section (flexible versions). */
function skipTags(buf: Buffer, off: number): number {
  let [count, at] = readUVarint(buf, off);
  for (; count > 0; count--) {
    at = readUVarint(buf, at)[1]; // tag
    const [size, dataAt] = readUVarint(buf, at);
    at = dataAt + size;
  }
  return at;
}

/** Metadata v9+ (flexible): response header tags, throttle, then brokers as a compact array. */
function rewriteFlexibleMetadata(body: Buffer, host: string, port: number): Buffer {
  let off = skipTags(body, 0) + 4; // response header v1 tags, throttle_time_ms
  const [n1, afterCount] = readUVarint(body, off);
  const parts: Buffer[] = [body.subarray(0, afterCount)];
  off = afterCount;
  const hostBytes = Buffer.from(host);
  for (let i = 0; i < n1 - 1; i++) {
    const nodeId = body.subarray(off, off + 4);
    const [hostLen1, hostAt] = readUVarint(body, off + 4);
    off = hostAt + hostLen1 - 1 + 4; // host, port
    const rackStart = off;
    const [rackLen1, rackAt] = readUVarint(body, off);
    off = skipTags(body, rackAt + Math.max(0, rackLen1 - 1)); // rack (0: null), tags
    const p = Buffer.alloc(4);
    p.writeInt32BE(port, 0);
    parts.push(nodeId, uVarint(hostBytes.length + 1), hostBytes, p, body.subarray(rackStart, off));
  }
  parts.push(body.subarray(off));
  return Buffer.concat(parts);
}

/** The response body with every broker address replaced by host:port. */
function rewrite(apiKey: number, version: number, body: Buffer, host: string, port: number): Buffer {
  if (apiKey === METADATA) {
    if (version >= 9 && version <= 13) return rewriteFlexibleMetadata(body, host, port);
    if (version < 1 || version > 8) throw new Error(`kafka proxy: Metadata v${version} is not rewritten`);
    let off = version >= 3 ? 4 : 0; // throttle_time_ms
    const count = body.readInt32BE(off);
    off += 4;
    const parts: Buffer[] = [body.subarray(0, off)];
    for (let i = 0; i < count; i++) {
      const nodeId = body.readInt32BE(off);
      off = skipString(body, off + 4) + 4; // host, port
      const rackStart = off;
      off = skipString(body, off); // rack (nullable: -1)
      const head = Buffer.alloc(4);
      head.writeInt32BE(nodeId, 0);
      const p = Buffer.alloc(4);
      p.writeInt32BE(port, 0);
      parts.push(head, kString(host), p, body.subarray(rackStart, off));
    }
    parts.push(body.subarray(off));
    return Buffer.concat(parts);
  }
  if (version < 1 || version > 2) throw new Error(`kafka proxy: FindCoordinator v${version} is not rewritten`);
  let off = 4 + 2; // throttle_time_ms, error_code
  off = skipString(body, off); // error_message
  const nodeEnd = off + 4;
  const hostEnd = skipString(body, nodeEnd);
  const p = Buffer.alloc(4);
  p.writeInt32BE(port, 0);
  return Buffer.concat([body.subarray(0, nodeEnd), kString(host), p, body.subarray(hostEnd + 4)]);
}

/** Splits a stream of size-prefixed Kafka frames. */
function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      onFrame(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

export async function startKafkaProxy(upstream: string): Promise<KafkaProxy> {
  const [upHost, upPort] = upstream.split(':') as [string, string];
  const sockets = new Set<Socket>();
  let open = true;
  let accepted = 0;
  let port = 0;
  const server: Server = createServer((client) => {
    if (!open) {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const broker = connect(Number(upPort), upHost);
    sockets.add(client);
    sockets.add(broker);
    const requests = new Map<number, [number, number]>(); // correlation id -> api key, version
    const drop = (): void => {
      client.destroy();
      broker.destroy();
      sockets.delete(client);
      sockets.delete(broker);
    };
    client.on(
      'data',
      frames((f) => {
        const apiKey = f.readInt16BE(4);
        if (apiKey === METADATA || apiKey === FIND_COORDINATOR)
          requests.set(f.readInt32BE(8), [apiKey, f.readInt16BE(6)]);
        broker.write(f);
      }),
    );
    broker.on(
      'data',
      frames((f) => {
        const corr = f.readInt32BE(4);
        const req = requests.get(corr);
        if (req === undefined) {
          client.write(f);
          return;
        }
        requests.delete(corr);
        const body = rewrite(req[0], req[1], f.subarray(8), '127.0.0.1', port);
        const head = Buffer.alloc(8);
        head.writeInt32BE(4 + body.length, 0);
        head.writeInt32BE(corr, 4);
        client.write(Buffer.concat([head, body]));
      }),
    );
    client.on('error', drop);
    broker.on('error', drop);
    client.on('close', drop);
    broker.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    accepted: () => accepted,
    close: async () => {
      open = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
