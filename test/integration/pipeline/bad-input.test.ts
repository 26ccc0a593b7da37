// Bad input to a live `run` (wall-clock validation on): each kind ends on the rejected topic with
// its reason, is counted in /metrics (shiftstream_rejects_total), and good samples sent after it
// are still processed.
import { afterAll, describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import type { RawSample } from '../../../src/core/types.js';
import type { RejectedRecord } from '../../../src/ports/codecs.js';
import { PlantHarness, scrapeMetric, until } from '../../support/pipeline-harness.js';

const YEAR_MS = 365 * 86_400_000;

let h: PlantHarness | undefined;
afterAll(async () => {
  await h?.close();
});

describe('run: bad input (live mode, real Kafka, registry, Redis)', () => {
  it(
    'malformed Avro, unknown schema id, unknown tag, bad quality, non-numeric ' +
      'counter, far future and past: rejected with reasons, counted, processing goes on',
    async () => {
      h = await PlantHarness.create('bad-input');
      const t = h.topology.topics;
      const proc = await h.start({ client: 'kafkajs', eventTimeOnly: false });
      await proc.ready();
      const now = Date.now();
      const state = 'BER.PRESS01.STATE';
      const counter = 'BER.PRESS01.GOOD';
      const milestone = 'BER.PRESS01.MES.ORDER_RELEASED';
      for (const tag of [state, counter, milestone]) expect(h.topology.plant.tags.has(tag), tag).toBe(true);
      const good = (tag: string, tsMs: number, value: RawSample['value']): { key: string; value: Buffer } => ({
        key: tag,
        value: h!.codecs.raw.encode({ tag, tsMs, value, quality: 'good' }),
      });
      const valid = good(counter, now, 100);
      const schemaId = valid.value.readInt32BE(1);
      const malformed = Buffer.concat([
        valid.value.subarray(0, 5),
        Buffer.from([0xff, 0xfe, 0x93, 0x07, 0x41, 0x00, 0xc8, 0xff, 0xff, 0xff, 0xff, 0x0f]),
      ]);
      const unknownId = Buffer.from(valid.value);
      unknownId.writeInt32BE(2_000_000_000 + (schemaId % 1000), 1);
      const bad: { key: string; value: Buffer; reason: string }[] = [
        { key: counter, value: malformed, reason: 'malformed-avro' },
        { key: counter, value: unknownId, reason: 'unknown-schema-id' },
        { ...good('BER.PRESS99.NO_SUCH_TAG', now, 1), reason: 'unknown-tag' },
        {
          key: counter,
          value: h.codecs.raw.encode({ tag: counter, tsMs: now, value: 101, quality: 'bad' }),
          reason: 'bad-quality',
        },
        { ...good(counter, now + 1, 'not-a-number'), reason: 'non-numeric-counter' },
        { ...good(counter, now + 3 * YEAR_MS, 102), reason: 'ts-out-of-range' },
        { ...good(counter, now - 5 * YEAR_MS, 103), reason: 'ts-out-of-range' },
      ];
      // Good samples before and after the bad ones; the milestone after them proves processing went on.
      await h.produceRaw([
        good(state, now - 1_000, 1),
        valid,
        ...bad.map(({ key, value }) => ({ key, value })),
        good(counter, now + 2, 104),
        good(milestone, now + 3, 'WO/BAD/00001'),
      ]);

      const rejected = await until(
        '7 rejected records',
        30_000,
        async () => {
          const records = await h!.readTopic(t.rejected);
          return records.length >= bad.length ? records : undefined;
        },
        [proc],
        250,
      );
      const decoded = await h.decodeAll<RejectedRecord>(rejected, h.codecs.rejected);
      expect(decoded.map((r) => r.reason).sort()).toEqual(bad.map((b) => b.reason).sort());
      for (const r of decoded) {
        const sent = bad.find((b) => b.value.equals(r.payload));
        expect(sent, `rejected payload of ${r.reason} is one of the bad records`).toBeDefined();
        expect(r.reason).toBe(sent!.reason);
        expect(r.detail.length).toBeGreaterThan(10);
        expect(r.sourceTopic).toBe(t.raw);
      }
      const futureDetail = decoded.find((r) => r.reason === 'ts-out-of-range' && r.detail.includes('ahead'));
      expect(futureDetail, 'a ts-out-of-range record for the future sample names the wall clock').toBeDefined();

      // Processing went on: the milestone sent after the bad records is on the milestones topic.
      const milestones = await until(
        'the milestone after the bad records',
        30_000,
        async () => {
          const list = await h!.decodeAll<MilestoneRecord>(await h!.readTopic(t.milestones), h!.codecs.milestone);
          return list.some((m) => m.orderRef === 'WO/BAD/00001') ? list : undefined;
        },
        [proc],
        250,
      );
      expect(milestones.find((m) => m.orderRef === 'WO/BAD/00001')!.kind).toBe('order_released');

      // Counted by reason in /metrics.
      for (const reason of new Set(bad.map((b) => b.reason))) {
        const want = bad.filter((b) => b.reason === reason).length;
        expect(
          await scrapeMetric(proc.httpPort, 'shiftstream_rejects_total', { reason }),
          `shiftstream_rejects_total{reason="${reason}"}`,
        ).toBe(want);
      }
      await proc.stop();
    },
  );
});
