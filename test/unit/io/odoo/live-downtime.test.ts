// Shift records are authoritative over live (milestone) downtime records: once a shift is posted,
// Odoo's downtime of that work center inside the shift equals the shift summary's downtime exactly
// and no live record overlaps posted shift time, whatever the order of the two posters, for a down
// period spanning the shift end, after a failure between the unlink and the move, and when a shift
// is confirmed while a machine_down is being posted.
import { afterEach, describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../../src/core/milestones.js';
import type { WindowSummary } from '../../../../src/core/types.js';
import { PRODUCTIVITY_MODEL, parseMarkers, parseOdooDatetime } from '../../../../src/io/odoo/productivity-records.js';
import type { KeyValueStore } from '../../../../src/ports/key-value.js';
import { DOWN_MARKER, clipLive } from '../../../../src/io/odoo/live-downtime.js';
import {
  createMilestoneHandler,
  milestoneLedgerOn,
  type MilestoneHandler,
} from '../../../../src/io/odoo/milestone-poster.js';
import type { StandinVersion } from '../../../../src/testkit/odoo-standin/index.js';
import { MAPPING, makeSummary } from './summary-fixtures.js';
import type { Fixture } from '../../../support/odoo-fixture.js';
import { fullyCommitted, startFixture, until } from '../../../support/odoo-fixture.js';

const H = 3_600_000;
const S = Date.UTC(2026, 2, 2, 6, 0, 0);
const E = S + 8 * H;
const SHIFT: WindowSummary = makeSummary({
  workCenterId: 'wc-1',
  windowId: '2026-03-02/s1',
  startMs: S,
  pieces: [
    ['running', 2 * H],
    ['down', H, 'material'],
    ['running', 4.5 * H],
    ['down', 0.5 * H, 'jam'],
  ],
});
const m = (kind: MilestoneRecord['kind'], tsMs: number, extra: Partial<MilestoneRecord> = {}): MilestoneRecord => ({
  plantId: 'plant-a',
  machineId: 'm1',
  workCenterId: 'wc-1',
  kind,
  tsMs,
  tag: 'M1.STATE',
  reason: null,
  orderRef: null,
  quantity: null,
  ...extra,
});
// The live view is provisional: its times differ slightly from the shift's exact intervals.
const DOWN1 = m('machine_down', S + 2 * H + 250, { reason: 'material' });
const UP1 = m('machine_up', S + 3 * H + 250);
const DOWN2 = m('machine_down', S + 7.5 * H + 400, { reason: 'jam' });
const UP2 = m('machine_up', E + 20 * 60_000 + 100);

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

function handlerOn(fx: Fixture, kv: KeyValueStore = fx.kv): MilestoneHandler {
  return createMilestoneHandler({
    client: fx.client,
    ledger: milestoneLedgerOn(kv),
    mapping: MAPPING,
    targets: fx.targets,
    retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 3 },
  });
}

async function postShifts(fx: Fixture, summaries: readonly WindowSummary[]): Promise<void> {
  await fx.produce(summaries);
  const consumer = fx.consumer();
  const run = consumer.run();
  await until('summaries committed', 20_000, () => fullyCommitted(fx));
  await consumer.stop();
  await run;
}

type Row = Record<string, unknown>;
const liveRows = (fx: Fixture): Row[] =>
  fx.standin.records(PRODUCTIVITY_MODEL).filter((r) => String(r['description']).startsWith(DOWN_MARKER));
const startOf = (r: Row): number => parseOdooDatetime(String(r['date_start']));
const endOf = (r: Row): number => (typeof r['date_end'] === 'string' ? parseOdooDatetime(r['date_end']) : Infinity);

/**
 * Downtime Odoo holds for wc-1 inside [startMs, endMs): live records + shift records of a `down/...` loss, by date
 * overlap.
 */
function odooDowntime(fx: Fixture, startMs: number, endMs: number): number {
  let total = 0;
  for (const r of fx.standin.records(PRODUCTIVITY_MODEL)) {
    const description = String(r['description']);
    const isDown =
      description.startsWith(DOWN_MARKER) ||
      (parseMarkers(description) !== null && (description.split(' ')[4] ?? '').startsWith('down'));
    if (!isDown) continue;
    total += Math.max(0, Math.min(endOf(r), endMs) - Math.max(startOf(r), startMs));
  }
  return total;
}

const overlapping = (fx: Fixture, startMs: number, endMs: number): Row[] =>
  liveRows(fx).filter((r) => startOf(r) < endMs && endOf(r) > startMs);

function expectExact(fx: Fixture): void {
  expect(odooDowntime(fx, S, E)).toBe(SHIFT.downtimeMs);
  expect(overlapping(fx, S, E)).toEqual([]);
}

describe('clipLive (pure)', () => {
  const span = { startMs: S, endMs: E };
  it('keeps only the part after the last posted span a live record overlaps', () => {
    expect(clipLive(S + H, S + 2 * H, [span])).toEqual({ action: 'remove' });
    expect(clipLive(S + H, E, [span])).toEqual({ action: 'remove' });
    expect(clipLive(S + H, null, [span])).toEqual({ action: 'move', startMs: E });
    expect(clipLive(S - H, E + H, [span])).toEqual({ action: 'move', startMs: E });
    expect(clipLive(S - H, S, [span])).toEqual({ action: 'keep' });
    expect(clipLive(E, null, [span])).toEqual({ action: 'keep' });
    // Two contiguous shifts: after both.
    expect(clipLive(S + H, null, [span, { startMs: E, endMs: E + 8 * H }])).toEqual({
      action: 'move',
      startMs: E + 8 * H,
    });
    // Span bounds are compared as Odoo holds them (floored to the second, like the posted records).
    expect(clipLive(S + H, null, [{ startMs: S + 500, endMs: E + 999 }])).toEqual({ action: 'move', startMs: E });
    expect(clipLive(E, null, [{ startMs: S, endMs: E + 999 }])).toEqual({ action: 'keep' });
    // A record ending before its start (left by a race) goes.
    expect(clipLive(E, S, [])).toEqual({ action: 'remove' });
  });
});

describe.each([19, 17] as StandinVersion[])('live downtime vs posted shifts (stand-in %i)', (version) => {
  it('milestones first, then the shift: the live records inside go, the open one moves to the shift end', async () => {
    f = await startFixture({ version, live: true });
    const handler = handlerOn(f);
    for (const x of [DOWN1, UP1, DOWN2]) await handler.handle(x);
    expect(liveRows(f)).toHaveLength(2);
    expect(odooDowntime(f, S, E)).toBeGreaterThan(0);
    await postShifts(f, [SHIFT]);
    expectExact(f);
    const [open] = liveRows(f);
    expect(liveRows(f)).toHaveLength(1);
    expect(open).toMatchObject({ date_start: '2026-03-02 14:00:00' });
    expect(open!['date_end'] ?? false).toBe(false); // still shows "down now"
    // The down spans the shift end: its up closes the record after the shift.
    expect(await handler.handle(UP2)).toMatchObject({ status: 'closed', odooIds: [open!['id']], unlinkedIds: [] });
    expect(liveRows(f)).toEqual([
      expect.objectContaining({ id: open!['id'], date_start: '2026-03-02 14:00:00', date_end: '2026-03-02 14:20:00' }),
    ]);
    expectExact(f);
    // Re-delivered shift (already posted): nothing changes.
    const before = f.standin.records(PRODUCTIVITY_MODEL);
    await f.writer.post([SHIFT]);
    await f.writer.flush();
    expect(f.standin.records(PRODUCTIVITY_MODEL)).toEqual(before);
  });

  it('the shift first, then late milestones: no live record is created inside the shift', async () => {
    f = await startFixture({ version, live: true });
    await postShifts(f, [SHIFT]);
    const handler = handlerOn(f);
    // A late down inside the posted shift starts at the shift end while it is open...
    expect(await handler.handle(DOWN1)).toMatchObject({ status: 'opened', created: 1 });
    expect(liveRows(f)).toEqual([expect.objectContaining({ date_start: '2026-03-02 14:00:00' })]);
    expect(String(liveRows(f)[0]!['description'])).toContain(
      'since 2026-03-02T08:00:00.250Z (live from 2026-03-02T14:00:00.000Z',
    );
    expectExact(f);
    // ...and goes when its up, inside the shift too, arrives.
    const up = await handler.handle(UP1);
    expect(up).toMatchObject({ status: 'closed', odooIds: [] });
    expect(up.unlinkedIds).toHaveLength(1);
    expect(liveRows(f)).toEqual([]);
    // The down spanning the shift end keeps only its part after the shift.
    await handler.handle(DOWN2);
    await handler.handle(UP2);
    expect(liveRows(f)).toEqual([
      expect.objectContaining({ date_start: '2026-03-02 14:00:00', date_end: '2026-03-02 14:20:00' }),
    ]);
    expectExact(f);
  });

  it(
    'a down, then the shift, then its up after the shift ' + 'end: the record is moved, then closed after the shift',
    async () => {
      f = await startFixture({ version, live: true });
      const handler = handlerOn(f);
      await handler.handle(DOWN2);
      await postShifts(f, [SHIFT]);
      expect(liveRows(f)).toEqual([expect.objectContaining({ date_start: '2026-03-02 14:00:00' })]);
      await handler.handle(UP2);
      expect(liveRows(f)).toEqual([
        expect.objectContaining({ date_start: '2026-03-02 14:00:00', date_end: '2026-03-02 14:20:00' }),
      ]);
      expectExact(f);
    },
  );

  it('a failure between the unlink and the move converges when the shift is delivered again', async () => {
    f = await startFixture({ version, live: true });
    const handler = handlerOn(f);
    for (const x of [DOWN1, UP1, DOWN2]) await handler.handle(x);
    const [inside, open] = liveRows(f).sort((a, b) => startOf(a) - startOf(b));
    // Every attempt of the move fails (the writer's 3 attempts): the post rejects after the unlink.
    f.standin.faults.inject({ kind: 'http5xx', model: PRODUCTIVITY_MODEL, method: 'write', times: 3 });
    await f.writer.post([SHIFT]);
    const err = await f.writer.flush().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SHIFTSTREAM_ODOO_NETWORK', retryable: true });
    expect(f.standin.faults.fired['http5xx']).toBe(3);
    expect(f.standin.calls.count(PRODUCTIVITY_MODEL, 'unlink')).toBe(1);
    expect(liveRows(f)).toEqual([expect.objectContaining({ id: open!['id'], date_start: '2026-03-02 13:30:00' })]);
    expect(liveRows(f).some((r) => r['id'] === inside!['id'])).toBe(false);
    // Re-delivery: the writer answers from its ledger, the clip runs again and finishes the move.
    await f.writer.post([SHIFT]);
    const again = await f.writer.flush();
    expect(again.outcomes).toEqual([expect.objectContaining({ status: 'already-posted' })]);
    expect(liveRows(f)).toEqual([expect.objectContaining({ id: open!['id'], date_start: '2026-03-02 14:00:00' })]);
    expectExact(f);
  });

  it('through the consumer: a failing move pauses the poster, which re-posts until the clip is done', async () => {
    f = await startFixture({ version, live: true });
    const handler = handlerOn(f);
    for (const x of [DOWN1, UP1, DOWN2]) await handler.handle(x);
    f.standin.faults.inject({ kind: 'http5xx', model: PRODUCTIVITY_MODEL, method: 'write', times: 4 });
    await f.produce([SHIFT]);
    const consumer = f.consumer();
    const run = consumer.run();
    const fx = f;
    await until('shift committed', 20_000, () => fullyCommitted(fx));
    await consumer.stop();
    await run;
    expect(consumer.stats.recoveryRounds).toBeGreaterThanOrEqual(1);
    expect(f.standin.faults.fired['http5xx']).toBe(4);
    expectExact(f);
    expect(liveRows(f)).toEqual([expect.objectContaining({ date_start: '2026-03-02 14:00:00' })]);
  });

  it('a shift confirmed while a machine_down is being posted: the down clips its own record afterwards', async () => {
    f = await startFixture({ version, live: true });
    const fx = f;
    let confirmed = false;
    // The shift poster confirms the shift right after the down read the (then empty) posted spans.
    const racing: KeyValueStore = {
      ...fx.kv,
      async sortedAbove(key, min) {
        const spans = await fx.kv.sortedAbove(key, min);
        if (!confirmed) {
          confirmed = true;
          await fx.writer.post([SHIFT]);
          await fx.writer.flush();
        }
        return spans;
      },
    };
    await handlerOn(f, racing).handle(DOWN2);
    expect(confirmed).toBe(true);
    expect(liveRows(f)).toEqual([expect.objectContaining({ date_start: '2026-03-02 14:00:00' })]);
    expectExact(f);
  });
});
