// Orders sync (cursor, compacted snapshots per work center) and dead-letter replay against the
// stand-in and the embedded log.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventSink } from '../../../src/io/memory/index.js';
import { createMemoryLedger } from '../../../src/io/odoo/ledger.js';
import { PRODUCTIVITY_MODEL } from '../../../src/io/odoo/productivity-records.js';
import { createProductivityWriter } from '../../../src/io/odoo/productivity-writer.js';
import { replayDeadLetters } from '../../../src/engine/dlq-replay.js';
import { createMemoryKeyValue } from '../../../src/io/memory/memory-key-value.js';
import {
  MILESTONE_SERVICE,
  createMilestoneItemPoster,
  milestoneLedgerOn,
} from '../../../src/io/odoo/milestone-poster.js';
import { SHIFT_SERVICE, createShiftItemPoster } from '../../../src/io/odoo/shift-poster.js';
import { createOdooWorkOrderReader } from '../../../src/io/odoo/work-order-reader.js';
import { createOrdersSync, type OrdersSnapshot } from '../../../src/engine/orders-sync.js';
import type { AuditRecord, DeadLetter } from '../../../src/ports/dead-letters.js';
import { silentLog } from '../../../src/ports/log.js';
import type { ItemPoster } from '../../../src/ports/posting.js';
import { MAPPING } from '../io/odoo/summary-fixtures.js';
import type { Fixture } from '../../support/odoo-fixture.js';
import { TOPICS, fullyCommitted, startFixture, until, week } from '../../support/odoo-fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('orders sync', () => {
  it('publishes the released work orders of changed work centers and moves its cursor', async () => {
    let odooNow = Date.UTC(2026, 2, 2, 8);
    f = await startFixture({ workCenters: 3, nowMs: () => odooNow });
    const fx = f;
    const wcId = (code: string): number =>
      fx.standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'] as number;
    const [mo1, mo2] = f.standin.store.create('mrp.production', [
      { name: 'MO/1', product_id: 5, product_qty: 10, state: 'confirmed' },
      { name: 'MO/2', product_id: 6, product_qty: 20, state: 'draft' },
    ]);
    const [wo1] = f.standin.store.create('mrp.workorder', [
      { name: 'MO/1 cut', workcenter_id: wcId('WC-01'), production_id: mo1, state: 'ready' },
      { name: 'MO/2 cut', workcenter_id: wcId('WC-02'), production_id: mo2, state: 'ready' },
    ]);
    f.log.createTopic('orders', 1);
    const kv = createMemoryKeyValue();
    const sync = createOrdersSync({
      reader: createOdooWorkOrderReader(f.client),
      kv,
      sink: new MemoryEventSink(f.log),
      topic: 'orders',
      plantId: 'plant-a',
      nowMs: () => odooNow + 20_000,
      log: silentLog,
      workCenters: async () => new Map([...(await fx.targets()).workCenters].map(([id, t]) => [t.odooId, id])),
    });
    const r1 = await sync.pollOnce();
    expect(r1.changed).toBe(2);
    expect([...r1.published].sort()).toEqual(['wc-1', 'wc-2']);
    const snaps = f.json<OrdersSnapshot>('orders');
    expect(
      snaps.find((s) => s.workCenterId === 'wc-1')?.workOrders.map((w) => [w.workOrderId, w.productionName]),
    ).toEqual([[wo1, 'MO/1']]);
    expect(snaps.find((s) => s.workCenterId === 'wc-2')?.workOrders).toEqual([]); // MO/2 is a draft: not released
    expect(f.log.records('orders').map((r) => String(r.key))).toEqual(expect.arrayContaining(['wc-1', 'wc-2']));
    expect(await sync.pollOnce()).toMatchObject({ changed: 0, published: [] });
    // MO/1 finishes its work order a minute later: wc-1's queue becomes empty.
    odooNow += 60_000;
    f.standin.store.write('mrp.workorder', [wo1], { state: 'done' });
    const r3 = await sync.pollOnce();
    expect(r3.published).toEqual(['wc-1']);
    expect(
      f
        .json<OrdersSnapshot>('orders')
        .filter((s) => s.workCenterId === 'wc-1')
        .at(-1),
    ).toMatchObject({ workCenterId: 'wc-1', workOrders: [] });
    expect(JSON.parse((await kv.get('orders-cursor'))!)).toMatchObject({ id: wo1 });
  });
});

describe('dlq replay', () => {
  it(
    're-posts dead letters once the cause is fixed, audits ' + 'them replayed, and re-dead-letters what still fails',
    async () => {
      f = await startFixture({ workCenters: 3 });
      const summaries = week(3, 1);
      await f.targets();
      const wc2 = f.standin.records('mrp.workcenter').find((r) => r['code'] === 'WC-02')!;
      f.standin.store.unlink('mrp.workcenter', [wc2['id']]);
      await f.produce(summaries);
      const consumer = f.consumer();
      const run = consumer.run();
      const fx = f;
      await until('committed', 20_000, () => fullyCommitted(fx));
      await consumer.stop();
      await run;
      const letters = f.log.records(TOPICS.dlq);
      expect(letters).toHaveLength(3);
      const sink = new MemoryEventSink(f.log);
      // The replay process's ledger (in production: the same Redis ledger the poster uses).
      const ledger = createMemoryLedger();
      const replay = (dryRun: boolean, records = letters) =>
        replayDeadLetters({
          records,
          posters: new Map<string, () => ItemPoster<object>>([
            [
              SHIFT_SERVICE,
              () =>
                createShiftItemPoster({
                  writer: createProductivityWriter({
                    client: fx.client,
                    ledger,
                    mapping: MAPPING,
                    targets: fx.targets,
                    policy: { count: 500, ceiling: { count: 1000, bytes: 1 << 24 } },
                    retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 3 },
                    nowMs: Date.now,
                  }),
                  codecs: fx.codecs,
                }),
            ],
            [
              MILESTONE_SERVICE,
              () =>
                createMilestoneItemPoster({
                  client: fx.client,
                  ledger: milestoneLedgerOn(createMemoryKeyValue()),
                  mapping: MAPPING,
                  targets: fx.targets,
                  retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 3 },
                  codecs: fx.codecs,
                }),
            ],
          ]),
          sink,
          deadLetterTopic: TOPICS.dlq,
          auditTopic: TOPICS.audit,
          dryRun,
          nowMs: Date.now,
        });
      const dry = await replay(true);
      expect(dry.map((l) => l.verdict)).toEqual(['would-replay', 'would-replay', 'would-replay']);
      expect(f.log.records(TOPICS.dlq)).toHaveLength(3);
      // Not fixed yet: still refused, dead-lettered again with attempts + 1.
      const still = await replay(false);
      expect(still.map((l) => l.verdict)).toEqual(['still-failing', 'still-failing', 'still-failing']);
      // (the embedded log lists records partition by partition: select by content, not position)
      const second = f.log
        .records(TOPICS.dlq)
        .filter((r) => (JSON.parse(String(r.value)) as DeadLetter).attempts === 2);
      expect(second).toHaveLength(3);
      expect(
        f
          .json<DeadLetter>(TOPICS.dlq)
          .filter((d) => d.attempts === 2)
          .map((d) => d.error.odooName),
      ).toEqual(Array(3).fill('odoo.exceptions.ValidationError'));
      // The fix: the work center exists again under the same id.
      f.standin.store.table('mrp.workcenter').set(wc2['id'] as number, wc2);
      const before = f.standin.records(PRODUCTIVITY_MODEL).length;
      const done = await replay(false, second);
      expect(done.map((l) => l.verdict)).toEqual(['replayed', 'replayed', 'replayed']);
      const created = f.standin.records(PRODUCTIVITY_MODEL).length - before;
      expect(created).toBe(done.reduce((n, l) => n + l.odooIds.length, 0));
      expect(created).toBeGreaterThan(0);
      const replayed = f.json<AuditRecord>(TOPICS.audit).filter((a) => a.event === 'replayed');
      expect(replayed).toHaveLength(3);
      expect(replayed.every((a) => a.odooIds.length > 0 && a.workCenterId === 'wc-2')).toBe(true);
      // Replaying the same letters again creates nothing (idempotent through the markers).
      const twice = await replay(false, second);
      expect(twice.map((l) => l.verdict)).toEqual(['replayed', 'replayed', 'replayed']);
      expect(f.standin.records(PRODUCTIVITY_MODEL).length - before).toBe(created);
    },
  );

  it('replays letters written before `payload` existed, and leaves a service no kind writes unreplayed', async () => {
    f = await startFixture({ workCenters: 3 });
    await f.targets();
    const wc2 = f.standin.records('mrp.workcenter').find((r) => r['code'] === 'WC-02')!;
    f.standin.store.unlink('mrp.workcenter', [wc2['id']]);
    await f.produce(week(3, 1));
    const consumer = f.consumer();
    const run = consumer.run();
    const fx = f;
    await until('committed', 20_000, () => fullyCommitted(fx));
    await consumer.stop();
    await run;
    f.standin.store.table('mrp.workcenter').set(wc2['id'] as number, wc2);
    // Letters as the first release wrote them (no `payload`), and one of a service nobody registered.
    const records = f.log.records(TOPICS.dlq).map((r, i) => {
      const { payload: _none, ...legacy } = JSON.parse(String(r.value)) as DeadLetter;
      const value = i === 0 ? { ...legacy, service: 'orders', payload: { orderRef: 'MO/1' } } : legacy;
      return { ...r, value: Buffer.from(JSON.stringify(value)) };
    });
    const lines = await replayDeadLetters({
      records,
      posters: new Map<string, () => ItemPoster<object>>([
        [
          SHIFT_SERVICE,
          () =>
            createShiftItemPoster({
              writer: createProductivityWriter({
                client: fx.client,
                ledger: createMemoryLedger(),
                mapping: MAPPING,
                targets: fx.targets,
                policy: { count: 500, ceiling: { count: 1000, bytes: 1 << 24 } },
                retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 3 },
                nowMs: Date.now,
              }),
              codecs: fx.codecs,
            }),
        ],
      ]),
      sink: new MemoryEventSink(f.log),
      deadLetterTopic: TOPICS.dlq,
      auditTopic: TOPICS.audit,
      dryRun: false,
      nowMs: Date.now,
    });
    expect(lines.map((l) => l.verdict).sort()).toEqual(['replayed', 'replayed', 'unreplayable']);
    expect(lines.find((l) => l.verdict === 'unreplayable')?.detail).toBe(
      'service: expected the service of a registered posting kind (shift), found "orders"',
    );
    expect(lines.filter((l) => l.verdict === 'replayed').every((l) => l.odooIds.length > 0)).toBe(true);
  });
});
