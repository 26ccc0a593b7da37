// The productivity writer against the stand-in and real Redis, over both protocols: exact records,
// one create per batch, a fault matrix with no missing and no duplicate records, revisions.
import { afterEach, describe, expect, it } from 'vitest';
import type { WindowSummary } from '../../../src/core/types.js';
import { createBatchAccumulator } from '../../../src/io/odoo/batch-policy.js';
import type { FaultKind } from '../../../src/testkit/odoo-standin/index.js';
import { makeSummary, randomShift } from '../../unit/io/odoo/summary-fixtures.js';
import type { Harness } from './harness.js';
import { PROTOCOL_CASES, diffAgainst, expectedRecords, postUntilDone, postedByKey, startHarness } from './harness.js';

const PROD = 'mrp.workcenter.productivity';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function shifts(workCenters: number, days: number, revision = 1, seedOffset = 0): WindowSummary[] {
  const out: WindowSummary[] = [];
  for (let d = 0; d < days; d += 1)
    for (let s = 0; s < 3; s += 1)
      for (let w = 1; w <= workCenters; w += 1)
        out.push(randomShift(`wc-${w}`, d, s, w * 1000 + d * 10 + s + seedOffset, revision));
  return out;
}

describe.each(PROTOCOL_CASES)('productivity writer: $name', (pc) => {
  it(
    'posts N summaries as exactly the expected records ' + 'with one create per batch; a replay changes nothing',
    async () => {
      h = await startHarness(pc, { workCenters: 5 });
      const summaries = shifts(5, 2);
      const expected = await expectedRecords(h, summaries);
      h.standin.calls.reset();
      const r1 = await h.writer.post(summaries);
      const r2 = await h.writer.flush();
      const outcomes = [...r1.outcomes, ...r2.outcomes];
      expect([...r1.failures, ...r2.failures]).toEqual([]);
      expect(outcomes.map((o) => o.status)).toEqual(summaries.map(() => 'posted'));
      expect(diffAgainst(h, expected)).toEqual([]);
      // Batches: the same policy replayed on the record counts.
      const sizes = summaries.map(
        (s) =>
          [...expected.values()].filter((r) =>
            r.vals.description.includes(` ${s.plantId}/${s.workCenterId} ${s.windowId} `),
          ).length,
      );
      const acc2 = createBatchAccumulator<number>({
        count: 200,
        periodMs: 1_000,
        ceiling: { count: 500, bytes: 8 * 1024 * 1024 },
      });
      const batches =
        sizes.reduce((n, size) => n + acc2.add(0, size, 0, 0).length, 0) + (acc2.drain().length > 0 ? 1 : 0);
      expect(h.standin.calls.count(PROD, 'create')).toBe(batches);
      expect(h.standin.calls.count(PROD)).toBe(batches); // no searches on a clean first post
      // Durations in Odoo equal the summaries' intervals at second precision.
      // Odoo rounds each duration to 0.01 minute; the dates carry the second-exact bounds.
      const durations = h.standin
        .records(PROD)
        .map((r) => r['duration'] as number)
        .sort((a, b) => a - b);
      const fromIntervals = summaries
        .flatMap((s) =>
          s.intervals
            .filter((i) => i.category !== 'unknown')
            .map((i) => Math.round(((Math.floor(i.endMs / 1000) - Math.floor(i.startMs / 1000)) / 60) * 100) / 100),
        )
        .sort((a, b) => a - b);
      expect(durations).toEqual(fromIntervals);

      h.standin.calls.reset();
      const again = await h.writer.post(summaries);
      await h.writer.flush();
      expect(h.standin.calls.count(PROD)).toBe(0);
      expect(diffAgainst(h, expected)).toEqual([]);
      const replay = [...again.outcomes, ...(await h.writer.flush()).outcomes];
      expect(replay.every((o) => o.status === 'already-posted')).toBe(true);
    },
  );

  const matrix: { kind: FaultKind; method: string; times: number; after?: number }[] = [
    { kind: 'http5xx', method: 'create', times: 2 },
    { kind: 'hang', method: 'create', times: 1 },
    { kind: 'reset', method: 'create', times: 2 },
    { kind: 'lost-after-commit', method: 'create', times: 1 },
    { kind: 'lost-after-commit', method: 'create', times: 1, after: 1 },
    { kind: 'serialization', method: 'create', times: 3 },
    { kind: 'latency', method: 'create', times: 3 },
    { kind: 'reset', method: 'search_read', times: 2 },
    { kind: 'validation', method: 'create', times: 1 },
  ];
  it.each(matrix)('fault $kind on $method x$times (after $after): no missing, no duplicate', async (f) => {
    h = await startHarness(pc, {
      workCenters: 3,
      policy: { count: 20, ceiling: { count: 40, bytes: 8 * 1024 * 1024 } },
    });
    const summaries = shifts(3, 2);
    const expected = await expectedRecords(h, summaries);
    h.standin.faults.inject({
      kind: f.kind,
      method: f.method,
      times: f.times,
      ...(f.after === undefined ? {} : { after: f.after }),
      latencyMs: 50,
    });
    if (f.method === 'search_read') h.standin.faults.inject({ kind: 'lost-after-commit', method: 'create', times: 1 });
    await postUntilDone(h.writer, summaries);
    expect(diffAgainst(h, expected)).toEqual([]);
    expect(h.standin.faults.fired[f.kind]).toBe(f.times);
  });

  it(
    'a validation error fails only the summaries that cause ' +
      'it, and nothing is duplicated when they are posted again',
    async () => {
      h = await startHarness(pc, { workCenters: 3 });
      const summaries = shifts(3, 1);
      const expected = await expectedRecords(h, summaries);
      const r = await h.writer.post(summaries); // master data resolved and cached, all buffered
      expect(r.buffered).toBe(summaries.length);
      // wc-3 disappears from Odoo behind our back: its records now fail Odoo's many2one check.
      const wc3 = h.standin.store.table('mrp.workcenter').get(3);
      h.standin.store.table('mrp.workcenter').delete(3);
      h.standin.calls.reset();
      const f = await h.writer.flush();
      expect(f.failures.map((x) => x.summary.workCenterId)).toEqual(['wc-3', 'wc-3', 'wc-3']);
      expect(f.failures[0]?.error).toMatchObject({ code: 'SHIFTSTREAM_ODOO_VALIDATION', retryable: false });
      expect(f.outcomes.filter((o) => o.status === 'posted')).toHaveLength(6);
      // One batch create (rolled back), then one create per summary to isolate the culprits.
      expect(h.standin.calls.count(PROD, 'create')).toBe(1 + summaries.length);
      expect(diffAgainst(h, expected).filter((p) => p.startsWith('missing'))).toHaveLength(
        [...expected.values()].filter((x) => x.vals.workcenter_id === 3).length,
      );
      expect(postedByKey(h).duplicates).toEqual([]);
      // The cause is fixed, the dead letters are replayed:
      h.standin.store.table('mrp.workcenter').set(3, wc3 as Record<string, unknown>);
      await h.writer.post(f.failures.map((x) => x.summary));
      await h.writer.flush();
      expect(diffAgainst(h, expected)).toEqual([]);
    },
  );

  it('survives a seeded storm of faults on every call kind', async () => {
    h = await startHarness(pc, {
      workCenters: 4,
      policy: { count: 30, ceiling: { count: 60, bytes: 8 * 1024 * 1024 } },
      maxAttempts: 4,
    });
    const rev1 = shifts(4, 2);
    const rev2 = rev1
      .filter((_, i) => i % 3 === 0)
      .map((s) =>
        randomShift(
          s.workCenterId,
          Number(s.windowId.slice(8, 10)) - 2,
          Number(s.windowId.slice(-1)),
          77 + (s.startMs % 1000),
          2,
        ),
      );
    for (const kind of ['http5xx', 'reset', 'lost-after-commit', 'serialization'] as const) {
      for (const method of ['create', 'search_read', 'unlink', 'search'])
        h.standin.faults.inject({ kind, method, times: Number.POSITIVE_INFINITY, probability: 0.08 });
    }
    await postUntilDone(h.writer, rev1, 50);
    await postUntilDone(h.writer, rev2, 50);
    h.standin.faults.clear();
    const latest = new Map<string, WindowSummary>();
    for (const s of [...rev1, ...rev2]) latest.set(`${s.workCenterId}|${s.windowId}`, s);
    expect(diffAgainst(h, await expectedRecords(h, [...latest.values()]))).toEqual([]);
    expect(Object.values(h.standin.faults.fired).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
  });

  it('revision 2 replaces revision 1 exactly; a late revision 1 is superseded', async () => {
    h = await startHarness(pc, { workCenters: 3 });
    const rev1 = shifts(3, 1);
    await h.writer.post(rev1);
    await h.writer.flush();
    const rev1Ids = new Set(h.standin.records(PROD).map((r) => r['id']));
    const changed = rev1.slice(0, 4).map((s) =>
      makeSummary({
        workCenterId: s.workCenterId,
        windowId: s.windowId,
        startMs: s.startMs,
        revision: 2,
        pieces: [
          ['running', 3_600_000],
          ['down', s.endMs - s.startMs - 3_600_000, 'material'],
        ],
      }),
    );
    h.standin.calls.reset();
    const r = [...(await h.writer.post(changed)).outcomes, ...(await h.writer.flush()).outcomes];
    expect(r.map((o) => o.status)).toEqual(changed.map(() => 'posted'));
    for (const o of r) expect(o.unlinkedIds.length).toBeGreaterThan(0);
    expect(r.flatMap((o) => o.unlinkedIds).every((id) => rev1Ids.has(id))).toBe(true);
    expect(h.standin.calls.count(PROD, 'search_read')).toBe(1);
    expect(h.standin.calls.count(PROD, 'unlink')).toBe(1);
    expect(h.standin.calls.count(PROD, 'create')).toBe(1);
    const latest = [...changed, ...rev1.slice(4)];
    expect(diffAgainst(h, await expectedRecords(h, latest))).toEqual([]);
    const late = [...(await h.writer.post(rev1.slice(0, 2))).outcomes, ...(await h.writer.flush()).outcomes];
    expect(late.map((o) => o.status)).toEqual(['superseded', 'superseded']);
    expect(diffAgainst(h, await expectedRecords(h, latest))).toEqual([]);
  });

  it(
    'a crash between unlink and create heals on re-delivery; ' + 'a ledger that lost revision 1 still replaces it',
    async () => {
      h = await startHarness(pc, { workCenters: 2, maxAttempts: 2 });
      const rev1 = shifts(2, 1);
      await postUntilDone(h.writer, rev1);
      const rev2 = rev1.map((s) =>
        makeSummary({
          workCenterId: s.workCenterId,
          windowId: s.windowId,
          startMs: s.startMs,
          revision: 2,
          pieces: [['idle', s.endMs - s.startMs]],
        }),
      );
      // Every create fails: the old records are gone, the new ones not there yet (the crash window).
      h.standin.faults.inject({ kind: 'reset', method: 'create', times: 2 });
      await expect(h.writer.post(rev2).then(() => h?.writer.flush())).rejects.toMatchObject({
        code: 'SHIFTSTREAM_ODOO_NETWORK',
      });
      expect(postedByKey(h).byKey.size).toBe(0);
      await postUntilDone(h.writer, rev2);
      expect(diffAgainst(h, await expectedRecords(h, rev2))).toEqual([]);
      // A fresh ledger (Redis lost): revision 3 still finds and replaces revision 2 through Odoo.
      const fresh = h.newWriter();
      const rev3 = rev2.map((s) =>
        makeSummary({
          workCenterId: s.workCenterId,
          windowId: s.windowId,
          startMs: s.startMs,
          revision: 3,
          pieces: [['setup', s.endMs - s.startMs]],
        }),
      );
      await postUntilDone(fresh, rev3);
      expect(diffAgainst(h, await expectedRecords(h, rev3))).toEqual([]);
    },
  );
});
