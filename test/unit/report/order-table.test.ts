// The report's per-order table (docs/semantics.md section 11): order summaries from the real core
// (an order tag with two orders and "no order"), one row per (work center, share), last revision
// only, retractions left out, text escaped; `report --orders` reads order-summaries.ndjson.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrderSummaryCollector, renderReport } from '../../../src/report/index.js';
import { main } from '../../../src/cli/main.js';
import { runOrdersFixture } from './fixture.js';

const run = runOrdersFixture;

describe('per-order table', () => {
  it('one row per share of the last revision, escaped, retractions left out', () => {
    const { shifts, orders } = run();
    const collector = new OrderSummaryCollector();
    for (const o of orders) collector.add(o);
    // A later retraction of MO/2 removes its row; an older revision never replaces a newer one.
    const mo2 = orders.find((o) => o.orderRef === 'MO/2')!;
    collector.add({ ...mo2, revision: 0, runtimeMs: 1 });
    const html = renderReport(shifts, { orders: collector.summaries() });
    expect(html).toContain('<h3>Per order</h3>');
    expect(html).toContain('data-order="MO/&lt;1&gt;"');
    expect(html).not.toContain('MO/<1>');
    expect(html).toContain('data-work-center="WC1" data-order="MO/2"');
    // WC1's early shift: MO/<1>, MO/2 and "no order"; WC2 (no signals): "no order" only.
    const early = collector.summaries().filter((o) => o.windowId === '2026-03-10/early');
    expect(early.map((o) => `${o.workCenterId} ${o.orderRef}`).sort()).toEqual([
      'WC1 MO/2',
      'WC1 MO/<1>',
      'WC1 null',
      'WC2 null',
    ]);
    expect(html.match(/<tr data-work-center="[^"]+" data-order=/g)).toHaveLength(collector.summaries().length);
    collector.add({ ...mo2, revision: 2, lengthMs: 0, samplesApplied: 0 });
    expect(renderReport(shifts, { orders: collector.summaries() })).not.toContain('data-order="MO/2"');
    // Without order summaries the page is as before.
    expect(renderReport(shifts)).not.toContain('Per order');
  });

  it('report --orders reads order-summaries.ndjson and adds the table', async () => {
    const { shifts, orders } = run();
    const dir = mkdtempSync(join(tmpdir(), 'report-orders-'));
    writeFileSync(join(dir, 'shift-summaries.ndjson'), shifts.map((s) => JSON.stringify(s)).join('\n') + '\n');
    writeFileSync(
      join(dir, 'order-summaries.ndjson'),
      [...orders.map((o) => JSON.stringify(o)), '{"bad":1}'].join('\n') + '\n',
    );
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ['report', '--input', 'shift-summaries.ndjson', '--orders', 'order-summaries.ndjson', '--out', 'r.html'],
      {
        stdout: { write: (s: string) => out.push(s) } as never,
        stderr: { write: (s: string) => err.push(s) } as never,
        signal: new AbortController().signal,
        cwd: dir,
      },
    );
    const r = { code, stdout: out.join(''), stderr: err.join('') };
    expect(r.code, r.stderr).toBe(0);
    const shares = new Set(orders.map((o) => `${o.workCenterId}|${o.windowId}|${o.orderRef}`)).size;
    expect(r.stdout).toContain(`, ${shares} order shares`);
    expect(r.stderr).toContain(
      `order-summaries.ndjson line ${orders.length + 1}: plantId: expected a non-empty string`,
    );
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain('data-work-center="WC1" data-order="MO/2"');
  });
});
