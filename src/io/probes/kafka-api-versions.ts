// ApiVersions v3 over a raw socket: the broker's API ranges and its feature levels, among them
// the finalized `metadata.version` that names the Kafka release line (e.g. 33 = 4.4-IV2).
// kafkajs's describeCluster and node-rdkafka do not expose the broker version; this is the
// broker's own answer on the wire.
import { connect } from 'node:net';

export interface BrokerApiVersions {
  readonly apis: ReadonlyMap<number, { readonly min: number; readonly max: number }>;
  readonly supportedFeatures: ReadonlyMap<string, { readonly min: number; readonly max: number }>;
  readonly finalizedFeatures: ReadonlyMap<string, { readonly min: number; readonly max: number }>;
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public o = 0,
  ) {}
  i8(): number {
    return this.buf.readInt8((this.o += 1) - 1);
  }
  i16(): number {
    return this.buf.readInt16BE((this.o += 2) - 2);
  }
  i32(): number {
    return this.buf.readInt32BE((this.o += 4) - 4);
  }
  i64(): bigint {
    return this.buf.readBigInt64BE((this.o += 8) - 8);
  }
  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.o++] ?? 0;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
  }
  compactString(): string {
    const len = this.uvarint() - 1;
    const s = this.buf.toString('utf8', this.o, this.o + len);
    this.o += len;
    return s;
  }
  skipTags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.o += this.uvarint();
    }
  }
}

function request(): Buffer {
  const clientId = Buffer.from('shiftstream-test');
  const compact = (s: string): Buffer => Buffer.concat([Buffer.from([Buffer.byteLength(s) + 1]), Buffer.from(s)]);
  const header = Buffer.alloc(10);
  header.writeInt16BE(18, 0); // ApiVersions
  header.writeInt16BE(3, 2);
  header.writeInt32BE(7, 4);
  header.writeInt16BE(clientId.length, 8);
  const body = Buffer.concat([
    header,
    clientId,
    Buffer.from([0]),
    compact('shiftstream'),
    compact('0.1.0'),
    Buffer.from([0]),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

export function fetchApiVersions(address: string, timeoutMs = 5_000): Promise<BrokerApiVersions> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: host ?? '127.0.0.1', port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => fail(new Error(`ApiVersions to ${address}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', (err) => fail(new Error(`ApiVersions to ${address}: ${err.message}`)));
    socket.on('connect', () => socket.write(request()));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const buf = Buffer.concat(chunks);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(parse(buf));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function parse(buf: Buffer): BrokerApiVersions {
  const r = new Reader(buf, 8); // size + correlation id (response header v0)
  const errorCode = r.i16();
  if (errorCode !== 0) throw new Error(`ApiVersions v3 answered error code ${errorCode}`);
  const apis = new Map<number, { min: number; max: number }>();
  for (let n = r.uvarint() - 1; n > 0; n--) {
    apis.set(r.i16(), { min: r.i16(), max: r.i16() });
    r.skipTags();
  }
  r.i32(); // throttle_time_ms
  const supportedFeatures = new Map<string, { min: number; max: number }>();
  const finalizedFeatures = new Map<string, { min: number; max: number }>();
  for (let tags = r.uvarint(); tags > 0; tags--) {
    const tag = r.uvarint();
    const size = r.uvarint();
    const end = r.o + size;
    if (tag === 0) {
      for (let n = r.uvarint() - 1; n > 0; n--) {
        const name = r.compactString();
        supportedFeatures.set(name, { min: r.i16(), max: r.i16() });
        r.skipTags();
      }
    } else if (tag === 2) {
      for (let n = r.uvarint() - 1; n > 0; n--) {
        const name = r.compactString();
        const max = r.i16();
        const min = r.i16();
        finalizedFeatures.set(name, { min, max });
        r.skipTags();
      }
    } else if (tag === 1) {
      r.i64();
    }
    r.o = end;
  }
  return { apis, supportedFeatures, finalizedFeatures };
}

/**
 * Latest stable `metadata.version` level of each Kafka release (from Kafka 4.4.0's
 * `kafka-storage version-mapping --release-version <r>`). A broker's supported maximum names
 * the newest release line it runs.
 */
export const METADATA_VERSION_OF_RELEASE: readonly (readonly [release: string, level: number])[] = [
  ['3.7', 19],
  ['3.8', 20],
  ['3.9', 21],
  ['4.0', 25],
  ['4.1', 27],
  ['4.2', 29],
  ['4.3', 30],
  ['4.4', 33],
];

/** The newest release whose level the broker supports, e.g. '4.4'; undefined when unknown. */
export function releaseOfMetadataLevel(level: number): string | undefined {
  let found: string | undefined;
  for (const [release, l] of METADATA_VERSION_OF_RELEASE) if (l <= level) found = release;
  return found;
}
