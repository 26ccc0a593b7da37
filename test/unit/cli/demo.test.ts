import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATE_CATEGORIES, type OrderSummary, type WindowSummary } from '../../../src/core/types.js';
import { expectConservation } from '../../support/attribution.js';

const BIN = join(process.cwd(), 'bin/shiftstream.js');

function lines(file: string): string[] {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
    : [];
}

describe('npm start (shiftstream demo)', () => {
  it(
    'closes shifts at high speed, writes conserving ' + 'summaries and an Odoo preview, and exits 0 on SIGINT',
    async () => {
      // Needs dist/ (npm test builds first).
      expect(existsSync(join(process.cwd(), 'dist/cli/main.js')), 'run npm run build first').toBe(true);
      const out = mkdtempSync(join(tmpdir(), 'shiftstream-demo-'));
      // The embedded mode: no cluster addresses, whatever the caller's environment holds.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SHIFTSTREAM_')));
      const child = spawn(process.execPath, [BIN, 'demo', '--speed', '4000', '--out', out], {
        cwd: tmpdir(),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const shiftFile = join(out, 'shift-summaries.ndjson');
      const deadline = Date.now() + 90_000;
      while (lines(shiftFile).length < 6) {
        if (Date.now() > deadline)
          throw new Error(`no shift summaries after 90 s; stdout: ${stdout.slice(-500)} stderr: ${stderr.slice(-500)}`);
        if (child.exitCode !== null) throw new Error(`demo exited early (${child.exitCode}): ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toContain('demo stopped:');
      // The report of the whole shifts closed by then, written by the same renderer as `report`.
      expect(stdout).toContain(`demo: report ${join(out, 'report.html')} (`);
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg class="timeline"');
      expect(stderr).not.toContain('running on Kafka');
      const shifts = lines(shiftFile).map((l) => JSON.parse(l) as WindowSummary);
      for (const s of shifts) {
        expect(s.windowKind).toBe('shift');
        const sum = STATE_CATEGORIES.reduce((acc, c) => acc + s.timeByCategory[c], 0);
        expect(sum, `${s.workCenterId} ${s.windowId}`).toBe(s.endMs - s.startMs);
        expect(s.intervals.reduce((acc, iv) => acc + iv.endMs - iv.startMs, 0)).toBe(s.lengthMs);
      }
      expect(lines(join(out, 'window-summaries.ndjson')).length).toBeGreaterThan(100);
      const preview = lines(join(out, 'odoo-preview.ndjson')).map(
        (l) => JSON.parse(l) as { model: string; vals: { date_start: string; loss_id: number } },
      );
      expect(preview.length).toBeGreaterThan(0);
      expect(preview[0]!.model).toBe('mrp.workcenter.productivity');
      expect(lines(join(out, 'milestones.ndjson')).length).toBeGreaterThan(0);
      // Stopped by SIGINT in mid-stream: what the simulator held still goes in, every lot has its edges.
      expectLotsFlow(out, stdout);
    },
    120_000,
  );

  it('--shifts 1 starts 10 minutes before a shift, ends by itself after it, with a report of that shift', async () => {
    const out = mkdtempSync(join(tmpdir(), 'shiftstream-demo-shifts-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SHIFTSTREAM_')));
    const child = spawn(
      process.execPath,
      [BIN, 'demo', '--shifts', '1', '--start', '2026-03-25', '--speed', '6000', '--out', out],
      { cwd: tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('from 2026-03-25T06:00 (shift 2026-03-25/early, simulation 10 min earlier)');
    expect(stdout).toContain(`demo: shift 2026-03-25/early closed: wrote ${join(out, 'report.html')}`);
    expect(stdout).toContain('demo done:');
    expect(stdout).toContain(`demo: report ${join(out, 'report.html')} (1 whole shift)`);

    // Only whole shifts are written: the night shift cut by the start is left out.
    const shifts = lines(join(out, 'shift-summaries.ndjson')).map((l) => JSON.parse(l) as WindowSummary);
    expect(new Set(shifts.map((s) => s.windowId))).toEqual(new Set(['2026-03-25/early']));
    expect(new Set(shifts.map((s) => s.workCenterId)).size).toBe(6);
    for (const s of shifts) {
      expect(s.startMs).toBe(Date.parse('2026-03-25T05:00:00Z'));
      // States are known from the shift's first millisecond; only simulated silences are unknown.
      expect(s.timeByCategory.unknown / s.lengthMs, s.workCenterId).toBeLessThan(0.1);
    }
    const minutes = lines(join(out, 'window-summaries.ndjson'))
      .map((l) => JSON.parse(l) as WindowSummary)
      .filter((w) => w.windowName === '1m');
    const firstWindow = Math.min(...minutes.map((w) => w.startMs));
    expect(new Date(firstWindow).toISOString()).toBe('2026-03-25T04:50:00.000Z');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('data-shift="2026-03-25/early"');
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(6);
    expect(html).not.toContain('2026-03-24/night');

    // Per-order shares (semantics section 11) of the same whole shift: the topology's order tags
    // name the simulator's orders; per work center they add up exactly to its shift summary.
    const orders = lines(join(out, 'order-summaries.ndjson')).map((l) => JSON.parse(l) as OrderSummary);
    expect(stdout).toContain(`${orders.length} order summaries`);
    expect(new Set(orders.map((o) => o.windowId))).toEqual(new Set(['2026-03-25/early']));
    const named = orders.filter((o) => o.orderRef !== null);
    expect(new Set(named.map((o) => o.workCenterId)).size).toBe(6);
    for (const o of named) {
      expect(o.orderRef).toMatch(/^WO\/2026\/\d{5}$/);
      expect(o.orderSource).toBe('plant');
    }
    expect(expectConservation(shifts, orders)).toBe(shifts.length);
    // The report's per-order table: one row per share that has time or samples.
    expect(html).toContain('<h3>Per order</h3>');
    const rows = html.match(/<tr data-work-center="[^"]*" data-order="[^"]*">/g) ?? [];
    const last = new Map<string, OrderSummary>();
    for (const o of orders) {
      const key = `${o.workCenterId}|${o.orderRef}`;
      if ((last.get(key)?.revision ?? 0) <= o.revision) last.set(key, o);
    }
    const shown = [...last.values()].filter((o) => o.lengthMs > 0 || o.samplesApplied > 0);
    expect(rows.length).toBe(shown.length);
    for (const o of named) expect(html).toContain(`data-work-center="${o.workCenterId}" data-order="${o.orderRef}"`);

    expectLotsFlow(out, stdout);
  }, 120_000);
});

/**
 * Lots flow (semantics section 13). The blanking line runs an order per coil, consumes the coil and
 * produces its stack of blanks in it; the presses consume stacks the blanking line produced, each
 * in its running order. Exact: every lot scan of the run has its edge, every stack pressed its production.
 */
function expectLotsFlow(out: string, stdout: string): void {
  const edges = lines(join(out, 'genealogy.ndjson')).map(
    (l) => JSON.parse(l) as { kind: string; order: string; product: string; lot: string },
  );
  expect(stdout).toContain(`${edges.length} genealogy edges`);
  const coils = edges.filter((e) => e.kind === 'consumed' && e.product === 'COIL-DC04');
  const stacks = edges.filter((e) => e.kind === 'produced' && e.product === 'BLANK-DC04');
  const pressed = edges.filter((e) => e.kind === 'consumed' && e.product === 'BLANK-DC04');
  expect([coils.length, stacks.length, pressed.length].every((n) => n > 0)).toBe(true);
  // Every lot milestone has its order and its edge; the end of the
  // run sends what the simulator still held (scans of a silence, samples held back) and an
  // end-of-input marker, so nothing waits for the watermark when the pipeline stops.
  const lotScans = lines(join(out, 'milestones.ndjson'))
    .map((l) => JSON.parse(l) as { kind: string; orderRef: string | null; material?: { lot: string | null } })
    .filter((m) => m.kind === 'lot_consumed' || m.kind === 'lot_produced');
  expect(lotScans.length).toBeGreaterThan(0);
  const edgeOf = new Set(
    edges.map((e) => `${e.kind === 'consumed' ? 'lot_consumed' : 'lot_produced'} ${e.order} ${e.lot}`),
  );
  for (const m of lotScans) {
    expect(m.orderRef, JSON.stringify(m)).not.toBeNull();
    expect(edgeOf.has(`${m.kind} ${m.orderRef} ${m.material!.lot}`), JSON.stringify(m)).toBe(true);
  }
  // Every stack pressed was produced (a scan held by a silence when the run ends goes in too).
  const made = new Set(stacks.map((s) => s.lot));
  for (const p of pressed) {
    expect(p.lot).toMatch(/^STK-LOT-2026-\d{6}$/);
    expect(made.has(p.lot), `${p.lot} pressed in ${p.order} has no produced edge`).toBe(true);
  }
  // One stack per blanking order (Odoo: one producing lot per production), from that order's coil.
  expect(new Set(stacks.map((s) => s.order)).size).toBe(stacks.length);
  for (const s of stacks) {
    expect(s.lot).toMatch(/^STK-LOT-2026-\d{6}$/);
    expect(
      coils.some((c) => c.order === s.order && `STK-${c.lot}` === s.lot),
      s.lot,
    ).toBe(true);
  }
  for (const e of edges) expect(e.order).toMatch(/^WO\/2026\/\d{5}$/);
}
