// replay writes order-summaries.ndjson (docs/semantics.md section 11): the same records as the
// core gives for the same input, late order signals amending as they do in the core.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { WindowedProcessor } from '../../../src/core/processor.js';
import type { OrderSummary, RawSample } from '../../../src/core/types.js';
import { OUTPUT_FILES, runReplay } from '../../../src/replay/runner.js';
import { computeAll } from '../../../src/testkit/reference.js';
import { lastOrderRevisions } from '../../support/attribution.js';
import { HOUR, MIN, testPlan } from '../../support/plan.js';

const plan = testPlan({ orderTags: true, silenceTimeoutMs: 10 * HOUR });
const T = Date.UTC(2026, 2, 30, 4); // 06:00 Berlin, the early shift
const s = (tag: string, tsMs: number, value: number | string): RawSample => ({ tag, tsMs, value, quality: 'good' });
const samples: RawSample[] = [];
for (let k = 0; k < 20 * 60; k++) {
  samples.push(s('M1a.STATE', T + k * MIN, k % 7 === 0 ? 5 : 1));
  samples.push(s('M1a.GOOD', T + k * MIN + 500, k * 3));
}
samples.push(s('M1a.ORDER', T + 2 * HOUR, 'WH/MO/00012'));
samples.push(s('M1a.ORDER', T + 9 * HOUR, ''));
samples.sort((a, b) => a.tsMs - b.tsMs);
// Arrives after the early shift closed: amends it.
samples.push(s('M1a.ORDER', T + 5 * HOUR + 17, 'WH/MO/00013'));

class Sink extends Writable {
  override _write(_c: Buffer, _e: BufferEncoding, cb: () => void): void {
    cb();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replay-orders-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replay: order-summaries.ndjson', () => {
  it('holds the core output for the same input, revisions and retractions included', async () => {
    const input = join(dir, 'in.ndjson');
    await writeFile(input, samples.map((x) => JSON.stringify({ ts: x.tsMs, tag: x.tag, value: x.value })).join('\n'));
    const outDir = join(dir, 'out');
    await runReplay({ plan, input, outDir, stderr: new Sink(), progress: false });
    const text = await readFile(join(outDir, OUTPUT_FILES.orderSummaries), 'utf8');
    const got = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as OrderSummary);
    // The core over the same events (replay ends with the watermark where its input left it).
    const p = new WindowedProcessor(plan);
    const events = samples.flatMap((x) => {
      const v = mapSample(plan, x);
      return v.ok ? [v.event] : [];
    });
    const core = p.ingest(events).orderSummaries;
    expect(got).toEqual(core);
    expect(got.some((o) => o.windowId === '2026-03-30/early' && o.revision === 2)).toBe(true);
    // And the last revisions are the reference's.
    const ref = computeAll(samples, plan, { watermarkMs: p.watermarkMs });
    const want = lastOrderRevisions(ref.orderSummaries);
    const have = lastOrderRevisions(got);
    expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, v] of want) expect(have.get(k), k).toEqual(v);
  });
});
