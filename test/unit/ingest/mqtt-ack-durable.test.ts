// The MQTT acknowledgement never goes out before the fdatasync that covers the message.
// runMqttIngest on a real FileSpool (a temp directory) with the spool's fdatasync instrumented: at
// the start of each fdatasync the file's size is noted, and only when that fdatasync returned do those
// bytes count as durable (plus a delay inside it, so that messages keep arriving while one runs). A
// source like MqttJsSource hands every message over without waiting for the previous one and
// releases the acknowledgements through the same AckWindow; at each acknowledgement the test reads
// the segment file and checks that the message's record lies within the durable prefix. Releasing an
// acknowledgement when the handler starts, after the write, or before the fdatasync returned fails
// it. It also checks that the fdatasyncs were shared (group commit) and that the acks kept the order.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import { runMqttIngest } from '../../../src/ingest/mqtt-ingest.js';
import { AckWindow } from '../../../src/io/mqtt/ack-window.js';
import { FileSpool } from '../../../src/io/spool/file-spool.js';
import type { Codec } from '../../../src/ports/codecs.js';
import type { SinkRecord } from '../../../src/ports/event-sink.js';
import type { IngestPosition, IngestSink } from '../../../src/ports/ingest-sink.js';
import type { InboundMessage, MessageSource } from '../../../src/ports/message-source.js';
import { loadTopology } from '../../../src/topology/index.js';

const plan = loadTopology(resolve(import.meta.dirname, '..', 'replay', 'test-plant.yaml')).plant;
const TAGS = ['M1a.HB', 'M2a.HB', 'M3a.HB', 'M4a.HB'];
const T0 = Date.UTC(2026, 2, 2, 6);
const N = 600;

/** Each record's bytes name the sample, so the test can find it in the segment file. */
const codec: Codec<RawSample> = {
  encode: (s) => Buffer.from(`<${s.tag}|${s.tsMs}|${String(s.value)}>`),
  decode: () => ({ ok: false, reason: 'malformed-avro', detail: 'not used' }),
};
const recordOf = (i: number): Buffer => Buffer.from(`<${TAGS[i % 4]}|${T0 + i * 1000}|${i}>`);

class Sink implements IngestSink {
  readonly records: SinkRecord[] = [];
  open(): Promise<IngestPosition | undefined> {
    return Promise.resolve(undefined);
  }
  commit(records: readonly SinkRecord[]): Promise<void> {
    this.records.push(...records);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Hands messages over as MqttJsSource does (no wait for the previous handler), acks through AckWindow. */
class BurstSource implements MessageSource {
  readonly acked: number[] = [];
  constructor(
    private readonly count: number,
    private readonly onAck: (i: number) => void,
    /** Delivered with DUP after the others (as after a reconnect): spooled ones or one never sent. */
    private readonly redeliver: readonly { readonly i: number }[] = [],
  ) {}
  async start(handler: (m: InboundMessage) => Promise<void>): Promise<void> {
    const window = new AckWindow<string>(256, (id) => {
      this.onAck(id);
      this.acked.push(id);
    });
    const all = [
      ...Array.from({ length: this.count }, (_, i) => ({ i, dup: false })),
      ...this.redeliver.map((r) => ({ i: r.i, dup: true })),
    ];
    for (const { i, dup } of all) {
      const settle = window.add(i, 'conn-1');
      const topic = `plant/${TAGS[i % 4]!.replace('.', '/')}`;
      const payload = Buffer.from(JSON.stringify({ ts: T0 + i * 1000, value: i }));
      handler({ topic, payload, qos: 1, dup }).then(
        () => settle(true),
        () => settle(false),
      );
      await new Promise<void>((r) => window.whenRoom(r));
      // Packets arrive in TCP chunks: a few at once, then the event loop turns.
      if (i % 7 === 6) await new Promise((r) => setImmediate(r));
    }
  }
  publish(): Promise<void> {
    return Promise.resolve();
  }
  onState(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ack-durable-'));
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

describe('MQTT ingest: PUBACK only after the fdatasync that covers the message', () => {
  it('no ack before a completed fdatasync covers its record; fdatasyncs shared; acks in order', async () => {
    const dir = join(root, 'spool');
    // Instrument FileHandle.datasync (the spool's durability point) on the real file system.
    const probe = await open(join(root, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const realDatasync = proto.datasync;
    const durable = new Map<string, number>(); // file -> bytes covered by a completed fdatasync
    let syncs = 0;
    vi.spyOn(proto, 'datasync').mockImplementation(async function (this: FileHandle): Promise<void> {
      const path = readlinkSync(`/proc/self/fd/${this.fd}`);
      const size = (await this.stat()).size; // only what is written by now is covered
      await new Promise((r) => setTimeout(r, 4)); // a slow disk: messages keep coming meanwhile
      await realDatasync.call(this);
      syncs++;
      durable.set(path, Math.max(durable.get(path) ?? 0, size));
    });

    const violations: string[] = [];
    const onAck = (i: number): void => {
      const want = recordOf(i);
      const covered = readdirSync(dir)
        .filter((n) => n.startsWith('seg-'))
        .some((n) => {
          const path = join(dir, n);
          return readFileSync(path)
            .subarray(0, durable.get(path) ?? 0)
            .includes(want);
        });
      if (!covered) violations.push(`message ${i} acknowledged before an fdatasync covered it`);
    };
    const source = new BurstSource(N, onAck);
    const spool = await FileSpool.open({ dir });
    const sink = new Sink();
    const ac = new AbortController();
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const run = runMqttIngest({
      plan,
      rawTopic: 'raw',
      subscriptions: [
        { filter: 'plant/+/+', tag: '{1}.{2}', fields: { ts: 'ts', value: 'value', quality: 'quality' } },
      ],
      source,
      spool,
      sink: () => sink,
      codec,
      rejectsFile: join(root, 'rejects.ndjson'),
      inputName: 'mqtt:test',
      log,
      signal: ac.signal,
    });
    const deadline = Date.now() + 20_000;
    while ((source.acked.length < N || sink.records.length < N) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await run;
    await spool.close();

    expect(violations).toEqual([]);
    expect(source.acked).toEqual(Array.from({ length: N }, (_, i) => i)); // every one, in order
    // Group commit: far fewer fdatasyncs than messages (one per message without it).
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThan(N / 4);
    // And the spool (then the sink) holds them in the order received.
    expect(sink.records.map((r) => r.value?.toString())).toEqual(
      Array.from({ length: N }, (_, i) => recordOf(i).toString()),
    );
  }, 30_000);
});

describe('MQTT ingest: a redelivery (DUP)', () => {
  it('of a spooled message is acknowledged without spooling it again; of an unseen one is spooled', async () => {
    const dir = join(root, 'dup');
    const source = new BurstSource(50, () => undefined, [{ i: 7 }, { i: 49 }, { i: 50 }]);
    const spool = await FileSpool.open({ dir });
    const sink = new Sink();
    const ac = new AbortController();
    const run = runMqttIngest({
      plan,
      rawTopic: 'raw',
      subscriptions: [
        { filter: 'plant/+/+', tag: '{1}.{2}', fields: { ts: 'ts', value: 'value', quality: 'quality' } },
      ],
      source,
      spool,
      sink: () => sink,
      codec,
      rejectsFile: join(root, 'rejects-dup.ndjson'),
      inputName: 'mqtt:test',
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      signal: ac.signal,
    });
    const deadline = Date.now() + 20_000;
    while ((source.acked.length < 53 || sink.records.length < 51) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200)); // a second copy would be forwarded by now
    ac.abort();
    await run;
    await spool.close();
    expect(source.acked).toEqual([...Array.from({ length: 50 }, (_, i) => i), 7, 49, 50]);
    expect(sink.records.map((r) => r.value?.toString())).toEqual(
      Array.from({ length: 51 }, (_, i) => recordOf(i).toString()),
    );
  }, 30_000);
});

describe('AckWindow', () => {
  it('releases in arrival order, only settled-ok entries, and holds the caller at the limit', () => {
    const sent: number[] = [];
    const w = new AckWindow<string>(3, (id, conn) => sent.push(conn === 'a' ? id : -id));
    const s1 = w.add(1, 'a');
    const s2 = w.add(2, 'a');
    const s3 = w.add(undefined, 'a'); // QoS 0: nothing to acknowledge
    let room = false;
    w.whenRoom(() => (room = true));
    expect(room).toBe(false); // 3 in flight
    s2(true);
    expect(sent).toEqual([]); // 1 is not settled: 2 waits
    s1(false); // failed: no ack for 1, the broker redelivers it
    expect(sent).toEqual([2]);
    expect(room).toBe(true);
    s3(true);
    const s4 = w.add(4, 'b');
    s4(true);
    s4(true); // settling twice sends once
    expect(sent).toEqual([2, -4]);
    expect(w.size).toBe(0);
  });
});
