import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../../../src/io/memory/murmur2.js';
import { MemoryEventSink, MemoryLog } from '../../../../src/io/memory/index.js';

describe('murmur2 (Kafka default partitioner)', () => {
  // Vectors from Kafka's UtilsTest.testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) = %d', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('maps to a partition in range with the sign bit masked', () => {
    expect(partitionForKey(Buffer.from('21'), 7)).toBe((-973932308 & 0x7fffffff) % 7);
    for (let i = 0; i < 200; i++) {
      const p = partitionForKey(Buffer.from(`k${i}`), 5);
      expect(p >= 0 && p < 5).toBe(true);
    }
  });
});

describe('MemoryLog', () => {
  it('stamps offsets per partition, keeps headers, and spreads unkeyed records round-robin', async () => {
    const log = new MemoryLog({ clock: { nowMs: () => 42 } });
    log.createTopic('t', 2);
    await new MemoryEventSink(log).send([
      { topic: 't', key: null, value: Buffer.from('a') },
      { topic: 't', key: null, value: Buffer.from('b'), headers: { h: '1' } },
      { topic: 't', key: null, value: Buffer.from('c') },
    ]);
    expect(log.records('t', 0).map((r) => [r.offset, r.value?.toString(), r.timestampMs])).toEqual([
      ['0', 'a', 42],
      ['1', 'c', 42],
    ]);
    expect(log.records('t', 1).map((r) => [r.offset, r.value?.toString(), r.headers])).toEqual([
      ['0', 'b', { h: '1' }],
    ]);
    expect(log.endOffsets('t')).toEqual([2, 1]);
    expect(log.records('t')).toHaveLength(3);
  });

  it('refuses to re-create a topic with another partition count, naming both counts', () => {
    const log = new MemoryLog({ defaultPartitions: 3 });
    log.partitionLogs('auto');
    expect(log.partitionCount('auto')).toBe(3);
    expect(() => log.createTopic('auto', 4)).toThrow('memory log: topic auto exists with 3 partitions, asked for 4');
  });
});
