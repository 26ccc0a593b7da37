// Inspections and quality holds end to end (issue 15 section 3): the compiled CLI
// (`post --kind milestones`) on real Kafka, registry and Redis against the stand-in, Odoo 19 with
// Enterprise Quality over JSON-2 and Odoo 17 Community over JSON-RPC. Under the fault matrix (503,
// reset, lost response after commit, serialization failure) and a kill -9 while a write is held in
// Odoo, then a restart: every inspection once, in the right model; the unknown order to
// the DLQ; the hold of wc-1 released, the hold of wc-2 still open, each one record.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import type { Inspection } from '../../../src/core/types.js';
import { PRODUCTIVITY_MODEL } from '../../../src/io/odoo/productivity-records.js';
import type { DeadLetter } from '../../../src/ports/dead-letters.js';
import { startOdooStandin, type OdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { eventually } from '../support/env.js';
import { cleanRedis, newPlant, odooEnv, runCli, suiteContext, type CliRun } from './support.js';

const suite = suiteContext();
const children: CliRun[] = [];
const track = (c: CliRun): CliRun => {
  children.push(c);
  return c;
};
const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const LIMITS = { test: 'bore-diameter', unit: 'mm', limitLow: 11.95, limitHigh: 12.05, lot: null } as const;

function seedOrder(standin: OdooStandin, name: string, code: string): number {
  const wc = standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'];
  const [moId] = standin.store.create('mrp.production', [
    { name, product_id: 42, product_qty: 100, state: 'confirmed' },
  ]);
  standin.store.create('mrp.workorder', [
    { name: `${name} op`, workcenter_id: wc, production_id: moId, state: 'ready' },
  ]);
  return moId!;
}

const CASES = [
  { name: 'Odoo 19 Enterprise Quality (JSON-2)', version: 19, edition: 'enterprise' },
  { name: 'Odoo 17 Community (JSON-RPC)', version: 17, edition: 'community' },
] as const;

describe.each(CASES)('quality over Kafka: $name', ({ version, edition }) => {
  it('kill -9 while a write is held, restart: every inspection once in the right model, holds exact', async () => {
    const plant = await newPlant(3);
    // The inspection tag of m1 asks for one scrap per failure (used without Quality).
    const yaml = await readFile(plant.topologyFile, 'utf8');
    await writeFile(
      plant.topologyFile,
      yaml.replace(
        'tags:\n',
        'tags:\n  M1.BORE: { machine: m1, role: milestone, milestone: inspection, test: bore-diameter, ' +
          'unit: mm, limitLow: 11.95, limitHigh: 12.05, scrapOnFail: 1 }\n',
      ),
    );
    const standin = await startOdooStandin({
      version,
      edition,
      workCenters: [{ code: 'WC-01' }, { code: 'WC-02' }, { code: 'WC-03' }],
    });
    try {
      await suite.kafka.createTopics([plant.topics.milestones, plant.topics.dlq, plant.topics.audit], 1);
      const mo1 = seedOrder(standin, 'MO/1', 'WC-01');
      const mo2 = seedOrder(standin, 'MO/2', 'WC-02');
      const m = (kind: MilestoneRecord['kind'], dtMs: number, extra: Partial<MilestoneRecord>): MilestoneRecord => ({
        plantId: plant.plantId,
        machineId: 'm1',
        workCenterId: 'wc-1',
        kind,
        tsMs: T0 + dtMs,
        tag: 'M1.BORE',
        reason: null,
        orderRef: 'MO/1',
        quantity: null,
        ...extra,
      });
      const measures = [12.0, 12.1, 11.9, 12.02, 12.04, 12.3, 11.96, 12.0, 12.06, 12.01];
      const inspections = measures.map((measure, i) => {
        const insp: Inspection = { ...LIMITS, measure };
        const kind = measure >= 11.95 && measure <= 12.05 ? 'inspection_passed' : 'inspection_failed';
        return i % 2 === 0
          ? m(kind, i * 60_000, { inspection: insp })
          : m(kind, i * 60_000, {
              machineId: 'm2',
              workCenterId: 'wc-2',
              tag: 'M2.QC',
              orderRef: 'MO/2',
              inspection: insp,
            });
      });
      const failed = inspections.filter((x) => x.kind === 'inspection_failed');
      await suite.kafka.produceMilestones(plant.topics.milestones, [
        m('quality_hold', 30_000, { tag: 'M1.HOLD', reason: 'burr', inspection: undefined }),
        ...inspections,
        m('inspection_failed', 700_000, { orderRef: 'MO/404', inspection: { ...LIMITS, measure: 13 } }),
        m('quality_release', 800_000, { tag: 'M1.RELEASE', inspection: undefined }),
        m('quality_hold', 900_000, { machineId: 'm2', workCenterId: 'wc-2', tag: 'M2.HOLD', orderRef: 'MO/2' }),
      ]);
      // The 4th write of the inspections' model is held 1.5 s in Odoo; the poster is killed meanwhile.
      const model = edition === 'enterprise' ? 'quality.check' : 'mrp.production';
      const method = edition === 'enterprise' ? 'create' : 'message_post';
      // The fault matrix first: a 503 on the first write, a response lost after Odoo committed the
      // second, a connection reset on the first alert or scrap, a serialization failure on the
      // first hold record. Then the 4th write of the inspections' model is held 1.5 s.
      standin.faults.inject({ kind: 'http5xx', model, method, times: 1 });
      standin.faults.inject({ kind: 'lost-after-commit', model, method, after: 1, times: 1 });
      const second = edition === 'enterprise' ? 'quality.alert' : 'stock.scrap';
      standin.faults.inject({ kind: 'reset', model: second, method: 'create', times: 1 });
      standin.faults.inject({ kind: 'serialization', model: PRODUCTIVITY_MODEL, method: 'create', times: 1 });
      standin.faults.inject({ kind: 'latency', model, method, after: 3, times: 1, latencyMs: 1_500 });
      const env = odooEnv(standin, standin.url, plant);
      const args = ['post', '--topology', plant.topologyFile, '--kind', 'milestones'];
      const first = track(runCli(suite.driver, args, env));
      await eventually('fourth write in flight', 90_000, () =>
        (standin.faults.fired['latency'] ?? 0) >= 1 ? true : undefined,
      );
      first.child.kill('SIGKILL');
      await first.exit;
      await eventually('held write committed', 10_000, () =>
        standin.calls.count(model, method) >= 4 ? true : undefined,
      );
      // Killed mid-run: not everything is in Odoo yet.
      const sofar =
        edition === 'enterprise'
          ? standin.records('quality.check').length
          : standin.records('mail.message').filter((n) => n['model'] === 'mrp.production').length;
      expect(sofar).toBeLessThan(inspections.length);
      const restarted = track(runCli(suite.driver, args, env));
      const group = `shiftstream.${plant.plantId}.odoo-poster-milestones`;
      await eventually('all milestones committed', 120_000, async () =>
        (await suite.kafka.fullyCommitted(group, plant.topics.milestones)) ? true : undefined,
      );
      restarted.child.kill('SIGINT');
      expect(await restarted.exit, restarted.stderr()).toBe(130);
      // Every fault of the matrix fired (before or after the kill).
      for (const kind of ['http5xx', 'lost-after-commit', 'reset', 'serialization', 'latency'])
        expect(standin.faults.fired[kind] ?? 0, kind).toBeGreaterThanOrEqual(1);

      if (edition === 'enterprise') {
        const checks = standin.records('quality.check');
        expect(checks).toHaveLength(inspections.length);
        const byMeasure = (x: MilestoneRecord): Record<string, unknown> | undefined =>
          checks.find(
            (c) =>
              c['measure'] === x.inspection!.measure &&
              c['production_id'] === (x.orderRef === 'MO/1' ? mo1 : mo2) &&
              String(c['additional_note']).includes(new Date(x.tsMs).toISOString()),
          );
        for (const x of inspections)
          expect(byMeasure(x)?.['quality_state'], `${x.kind} ${x.inspection!.measure}`).toBe(
            x.kind === 'inspection_passed' ? 'pass' : 'fail',
          );
        const alerts = standin.records('quality.alert');
        expect(alerts).toHaveLength(failed.length);
        expect(new Set(alerts.map((a) => a['check_id'])).size).toBe(failed.length);
        expect(standin.records('mail.message')).toHaveLength(0);
        expect(standin.records('stock.scrap')).toHaveLength(0);
      } else {
        const notes = standin.records('mail.message').filter((n) => n['model'] === 'mrp.production');
        expect(notes).toHaveLength(inspections.length);
        expect(notes.filter((n) => n['res_id'] === mo1)).toHaveLength(
          inspections.filter((x) => x.orderRef === 'MO/1').length,
        );
        for (const x of inspections)
          expect(
            notes.filter((n) => String(n['body']).includes(`at ${new Date(x.tsMs).toISOString()}`)),
            `${x.kind} ${x.inspection!.measure}`,
          ).toHaveLength(1);
        // scrapOnFail is on m1's tag only: one draft scrap of 1 per failed inspection of m1.
        const scraps = standin.records('stock.scrap');
        const failedM1 = failed.filter((x) => x.tag === 'M1.BORE');
        expect(failedM1.length).toBeGreaterThan(0);
        expect(scraps).toHaveLength(failedM1.length);
        expect(scraps.every((s) => s['scrap_qty'] === 1 && s['production_id'] === mo1 && s['state'] === 'draft')).toBe(
          true,
        );
      }
      const dlq = await suite.kafka.readJson<DeadLetter>(plant.topics.dlq);
      expect(dlq).toHaveLength(1);
      expect(dlq[0]!.value.error.message).toContain('"MO/404"');

      const loss = standin.records('ir.model.data').find((r) => r['name'] === 'block_reason5')!['res_id'];
      const holds = standin.records(PRODUCTIVITY_MODEL).filter((r) => r['loss_id'] === loss);
      const wc = (code: string): unknown => standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'];
      expect(holds.map((h) => [h['workcenter_id'], h['date_start'], h['date_end'] ?? false])).toEqual([
        [wc('WC-01'), '2026-03-02 08:00:30', '2026-03-02 08:13:20'],
        [wc('WC-02'), '2026-03-02 08:15:00', false],
      ]);
    } finally {
      for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 300_000);
});
