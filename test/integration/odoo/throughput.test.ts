// Throughput of the productivity writer against the stand-in with 20 ms per call (a remote Odoo):
// records/s and calls per 1,000 records for several batch sizes. A simulated week for 20 work
// centers (3 shifts a day). Figures are printed (JSON line `odoo-throughput`) and go to docs/odoo.md.
import { afterEach, describe, expect, it } from 'vitest';
import type { WindowSummary } from '../../../src/core/types.js';
import { randomShift } from '../../unit/io/odoo/summary-fixtures.js';
import type { Harness } from './harness.js';
import { PROTOCOL_CASES, diffAgainst, expectedRecords, startHarness } from './harness.js';

const PROD = 'mrp.workcenter.productivity';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function week(workCenters: number): WindowSummary[] {
  const out: WindowSummary[] = [];
  for (let d = 0; d < 7; d += 1)
    for (let s = 0; s < 3; s += 1)
      for (let w = 1; w <= workCenters; w += 1) out.push(randomShift(`wc-${w}`, d, s, w * 1000 + d * 10 + s));
  return out;
}

describe.each(PROTOCOL_CASES)('throughput at 20 ms per call: $name', (pc) => {
  it.each([1, 100, 500])('batch count %i', async (count) => {
    h = await startHarness(pc, {
      workCenters: 20,
      latencyMs: 20,
      timeoutMs: 5_000,
      policy: { count, ceiling: { count: Math.max(count, 1_000), bytes: 16 * 1024 * 1024 } },
    });
    const summaries = week(20);
    const expected = await expectedRecords(h, summaries);
    await h.client.authenticate();
    await h.writer.post(summaries.slice(0, 1)); // master data resolved and cached before timing
    await h.writer.flush();
    const warmUpRecords = h.standin.records(PROD).length;
    h.standin.calls.reset();
    const t0 = performance.now();
    const r = await h.writer.post(summaries);
    const f = await h.writer.flush();
    const seconds = (performance.now() - t0) / 1000;
    expect([...r.failures, ...f.failures]).toEqual([]);
    expect(diffAgainst(h, expected)).toEqual([]);
    const records = expected.size - warmUpRecords;
    const calls = h.standin.calls.count();
    const creates = h.standin.calls.count(PROD, 'create');
    const figures = {
      protocol: pc.name,
      batchCount: count,
      summaries: summaries.length,
      records,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(records / seconds),
      calls,
      creates,
      callsPer1000: Number(((calls * 1000) / records).toFixed(2)),
    };
    console.log(`odoo-throughput ${JSON.stringify(figures)}`);
    // Every call is a create (no searches on a clean post) and batches respect the count trigger.
    expect(calls).toBe(creates);
    if (count > 1) expect(creates).toBeLessThanOrEqual(Math.ceil(records / count) + Math.ceil(summaries.length / 50));
  });
});
