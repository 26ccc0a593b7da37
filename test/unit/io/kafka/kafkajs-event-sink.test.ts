// KafkaJsEventSink against a stub producer: call order, coalescing, and fail-closed after an error.
import type { Kafka, ProducerBatch } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../../src/errors.js';
import { KafkaJsEventSink } from '../../../../src/io/kafka/kafkajs-event-sink.js';

function stubKafka(failOnCall?: number): { kafka: Kafka; batches: string[][]; release: () => void } {
  const batches: string[][] = [];
  let gate: (() => void) | undefined;
  const producer = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    sendBatch: async (b: ProducerBatch) => {
      batches.push((b.topicMessages ?? []).flatMap((t) => t.messages.map((m) => `${t.topic}/${String(m.value)}`)));
      if (batches.length === 1) await new Promise<void>((r) => (gate = r)); // hold the first request in flight
      if (batches.length === failOnCall) throw new Error('NOT_LEADER_FOR_PARTITION');
      return [];
    },
  };
  const kafka = { producer: () => producer } as unknown as Kafka;
  return { kafka, batches, release: () => gate?.() };
}

const rec = (topic: string, v: string) => ({ topic, key: 'k', value: Buffer.from(v) });

describe('KafkaJsEventSink', () => {
  it('sends calls queued behind an in-flight request together, in call order', async () => {
    const { kafka, batches, release } = stubKafka();
    const sink = new KafkaJsEventSink(kafka);
    const first = sink.send([rec('a', '1')]);
    await new Promise((r) => setImmediate(r));
    const rest = [sink.send([rec('a', '2'), rec('b', 'x')]), sink.send([rec('a', '3')])];
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([['a/1'], ['a/2', 'a/3', 'b/x']]);
    await sink.close();
  });

  it('rejects the failed request and every later send with a KafkaError naming the topics', async () => {
    const { kafka, release } = stubKafka(2);
    const sink = new KafkaJsEventSink(kafka);
    const first = sink.send([rec('a', '1')]);
    await new Promise((r) => setImmediate(r));
    const second = sink.send([rec('t1', '2')]);
    release();
    await first;
    const err = await second.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).message).toBe('kafkajs sink: send of 1 records to t1 failed: NOT_LEADER_FOR_PARTITION');
    await expect(sink.send([rec('a', '3')])).rejects.toBe(err);
    await sink.close();
  });
  it('splits a call above the request byte budget into requests in order, settling it after the last', async () => {
    const { kafka, batches, release } = stubKafka();
    const sink = new KafkaJsEventSink(kafka);
    const big = Array.from({ length: 30 }, (_, i) => ({
      topic: 'a',
      key: 'k',
      value: Buffer.alloc(100_000, 48 + (i % 10)),
    }));
    let settled = false;
    const done = sink.send(big).then(() => (settled = true));
    const small = sink.send([rec('a', 'after')]);
    await new Promise((r) => setImmediate(r));
    release(); // the stub holds the first request in flight
    await Promise.all([done, small]);
    expect(settled).toBe(true);
    // Each request stays under 900 kB of payload: 8 records of 100 kB each, then the rest.
    expect(batches.map((b) => b.length)).toEqual([8, 8, 8, 7]);
    expect(batches.flat().at(-1)).toBe('a/after');
    await sink.close();
  });
});
