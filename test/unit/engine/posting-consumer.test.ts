// The posting consumer over the embedded log with the real writer and the Odoo stand-in: offsets
// are committed only past confirmed summaries, refusals are dead-lettered with Odoo's error, every
// attempt is audited, and an Odoo outage pauses consumption without losing anything.
import { afterEach, describe, expect, it } from 'vitest';
import type { WindowSummary } from '../../../src/core/types.js';
import { PRODUCTIVITY_MODEL, parseMarkers, summaryToRecords } from '../../../src/io/odoo/productivity-records.js';
import type { AuditRecord, DeadLetter } from '../../../src/ports/dead-letters.js';
import { MAPPING, randomShift } from '../io/odoo/summary-fixtures.js';
import type { Fixture } from '../../support/odoo-fixture.js';
import { TOPICS, fullyCommitted, startFixture, until, week } from '../../support/odoo-fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function expectedKeys(
  fx: Fixture,
  summaries: readonly WindowSummary[],
): Promise<Map<string, { date_start: string; date_end: string }>> {
  const targets = await fx.targets();
  const out = new Map<string, { date_start: string; date_end: string }>();
  for (const s of summaries)
    for (const r of summaryToRecords(s, MAPPING, targets).records)
      out.set(r.key, { date_start: r.vals.date_start, date_end: r.vals.date_end });
  return out;
}

function odooKeys(fx: Fixture): { keys: Map<string, { date_start: unknown; date_end: unknown }>; duplicates: number } {
  const keys = new Map<string, { date_start: unknown; date_end: unknown }>();
  let duplicates = 0;
  for (const row of fx.standin.records(PRODUCTIVITY_MODEL)) {
    const m = parseMarkers(row['description']);
    if (m === null) continue;
    if (keys.has(m.key)) duplicates += 1;
    keys.set(m.key, { date_start: row['date_start'], date_end: row['date_end'] });
  }
  return { keys, duplicates };
}

describe('posting consumer (embedded log, stand-in)', () => {
  it('posts final shift summaries exactly, skips the rest, commits to the end and audits each one', async () => {
    f = await startFixture();
    const summaries = week(5, 3);
    const partial = { ...randomShift('wc-1', 9, 0, 1), final: false };
    const tumbling = { ...randomShift('wc-2', 9, 1, 2), windowKind: 'tumbling' as const };
    await f.produce([...summaries, partial, tumbling]);
    const consumer = f.consumer();
    const run = consumer.run();
    const fx = f;
    await until('all committed', 20_000, () => fullyCommitted(fx));
    await consumer.stop();
    await run;
    const expected = await expectedKeys(f, summaries);
    const { keys, duplicates } = odooKeys(f);
    expect(duplicates).toBe(0);
    expect(keys).toEqual(expected);
    const audit = f.json<AuditRecord>(TOPICS.audit);
    expect(audit.filter((a) => a.event === 'received')).toHaveLength(summaries.length);
    const posted = audit.filter((a) => a.event === 'posted');
    expect(posted).toHaveLength(summaries.length);
    expect(posted.reduce((n, a) => n + a.odooIds.length, 0)).toBe(expected.size);
    expect(posted.every((a) => a.odooModel === PRODUCTIVITY_MODEL && a.source !== null)).toBe(true);
    expect(f.log.records(TOPICS.dlq)).toHaveLength(0);
    // One create per batch: 100 records per batch, summaries kept whole.
    expect(f.standin.calls.count(PRODUCTIVITY_MODEL, 'create')).toBeLessThanOrEqual(Math.ceil(expected.size / 100) + 6);
  });

  it('dead-letters a summary Odoo refuses, with the error, the summary and the attempt count', async () => {
    f = await startFixture();
    const summaries = week(3, 1);
    // wc-2 is deleted in Odoo after master data was cached: its create fails with a validation error.
    await f.targets();
    const wc2 = f.standin.records('mrp.workcenter').find((r) => r['code'] === 'WC-02')!;
    f.standin.store.unlink('mrp.workcenter', [wc2['id']]);
    await f.produce(summaries);
    const consumer = f.consumer();
    const run = consumer.run();
    const fx = f;
    await until('all committed', 20_000, () => fullyCommitted(fx));
    await consumer.stop();
    await run;
    const dlq = f.json<DeadLetter>(TOPICS.dlq);
    expect(dlq.map((d) => d.summary?.windowId).sort()).toEqual(
      summaries
        .filter((s) => s.workCenterId === 'wc-2')
        .map((s) => s.windowId)
        .sort(),
    );
    for (const d of dlq) {
      expect(d).toMatchObject({
        version: 1,
        service: 'shift',
        plantId: 'plant-a',
        workCenterId: 'wc-2',
        attempts: 1,
        error: { code: 'SHIFTSTREAM_ODOO_VALIDATION', odooName: 'odoo.exceptions.ValidationError', retryable: false },
      });
      expect(d.source?.topic).toBe(TOPICS.summaries);
    }
    const expected = await expectedKeys(
      f,
      summaries.filter((s) => s.workCenterId !== 'wc-2'),
    );
    expect(odooKeys(f).keys).toEqual(expected);
    expect(
      f.json<AuditRecord>(TOPICS.audit).filter((a) => a.event === 'failed' && a.status === 'dead-lettered'),
    ).toHaveLength(dlq.length);
  });

  it('pauses while Odoo is down (nothing committed past unconfirmed work) and resumes with nothing lost', async () => {
    f = await startFixture();
    await f.targets(); // master data cached before the outage
    f.standin.faults.inject({ kind: 'http5xx', times: Infinity });
    const summaries = week(4, 2);
    await f.produce(summaries);
    const consumer = f.consumer();
    const run = consumer.run();
    const fx = f;
    await until('recovery rounds while down', 20_000, () => consumer.stats.recoveryRounds >= 3);
    expect(fx.standin.records(PRODUCTIVITY_MODEL)).toHaveLength(0);
    expect(fullyCommitted(fx)).toBe(false);
    for (let p = 0; p < 3; p += 1)
      expect(fx.log.group('poster').committed({ topic: TOPICS.summaries, partition: p })).toBeUndefined();
    const retrying = fx.json<AuditRecord>(TOPICS.audit).filter((a) => a.status === 'retrying');
    expect(retrying.length).toBeGreaterThan(0);
    expect(retrying[0]?.error?.code).toBe('SHIFTSTREAM_ODOO_NETWORK');
    fx.standin.faults.clear();
    await until('all committed after recovery', 20_000, () => fullyCommitted(fx));
    await consumer.stop();
    await run;
    const { keys, duplicates } = odooKeys(f);
    expect(duplicates).toBe(0);
    expect(keys).toEqual(await expectedKeys(f, summaries));
  });
});
