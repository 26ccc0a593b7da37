// Planned maintenance end to end on the real Kafka, registry and Redis (docs/semantics.md section 12):
// `orders sync` (the real code, against the Odoo stand-in 19) publishes the scheduled preventive
// requests of the topology's equipment with the orders snapshots; `shiftstream run` (child process)
// counts their time as planned_stop/planned-maintenance. A request filed after its shift closed
// amends it; run is killed (kill -9) and restarted in between; the last revisions equal the batch
// reference over all samples and the latest requests.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlannedStop } from '../../../src/core/planned-maintenance.js';
import type { WindowSummary } from '../../../src/core/types.js';
import { createOrdersSync } from '../../../src/engine/orders-sync.js';
import { ensureTopics } from '../../../src/io/kafka/admin.js';
import { createEventSink } from '../../../src/io/kafka/factory.js';
import { createMemoryKeyValue } from '../../../src/io/memory/memory-key-value.js';
import { createOdooClient } from '../../../src/io/odoo/client.js';
import { createOdooPlannedMaintenanceReader } from '../../../src/io/odoo/planned-maintenance-reader.js';
import { odooDatetime } from '../../../src/io/odoo/productivity-records.js';
import { createOdooWorkOrderReader } from '../../../src/io/odoo/work-order-reader.js';
import { silentLog } from '../../../src/ports/log.js';
import { startOdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import {
  collectSummaries,
  compareWithReference,
  PARTITIONS,
  PlantHarness,
  ROOT,
  simulatePlant,
} from '../../support/pipeline-harness.js';

const T = Date.UTC(2026, 5, 2, 4); // Tuesday 06:00 Berlin: the early shift
const H = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'planned-topology-'));
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function plannedTopology(): string {
  const file = join(dir, 'stamping-berlin-planned.yaml');
  writeFileSync(
    file,
    `${readFileSync(join(ROOT, 'topologies/stamping-berlin.yaml'), 'utf8')}\nmaintenance:\n` +
      `  equipment:\n    press-line-1: [EQ-PL1]\n    press-02: [EQ-SP2]\n`,
  );
  return relative(ROOT, file);
}

describe('run with planned maintenance (child process; Kafka, registry, Redis; orders sync on the stand-in)', () => {
  it('counts scheduled preventive requests as planned time; a late one amends; kill -9 and restart', async () => {
    const h = await PlantHarness.create('planned', plannedTopology());
    cleanups.push(() => h.close());
    expect(h.topology.maintenance.equipment.size).toBe(2);
    const ordersTopic = h.topology.orders.topic;
    await ensureTopics(h.config, [{ topic: ordersTopic, partitions: PARTITIONS, compacted: true }]);
    const codes = [...h.topology.plant.workCenters.values()].map((w) => ({ wc: w.workCenterId, code: w.odooCode }));
    const standin = await startOdooStandin({ version: 19, workCenters: codes.map((c) => ({ code: c.code })) });
    cleanups.push(() => standin.stop());
    const client = createOdooClient({
      url: standin.url,
      db: standin.db,
      login: standin.login,
      apiKey: standin.apiKey,
      protocol: 'auto',
      timeoutMs: 5_000,
    });
    cleanups.push(async () => client.close());
    const sink = createEventSink(h.config, { clientId: `orders-sync-${h.plantId}` });
    cleanups.push(() => sink.close());
    const wcIdOf = (code: string): number =>
      standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'] as number;
    const workCenters = async (): Promise<Map<number, string>> => new Map(codes.map((c) => [wcIdOf(c.code), c.wc]));
    let odooNow = T;
    const sync = createOrdersSync({
      reader: createOdooWorkOrderReader(client),
      kv: createMemoryKeyValue(),
      sink,
      topic: ordersTopic,
      plantId: h.plantId,
      workCenters,
      nowMs: () => odooNow,
      log: silentLog,
      planned: {
        reader: createOdooPlannedMaintenanceReader({
          client,
          equipment: h.topology.maintenance.equipment,
          workCenters,
        }),
        horizonMs: 72 * H,
      },
    });
    const [pl1, sp2] = standin.store.create('maintenance.equipment', [
      { name: 'Press line 1', serial_no: 'EQ-PL1' },
      { name: 'Press 02', serial_no: 'EQ-SP2' },
    ]);
    const request = (equipment: number, name: string, startMs: number, endMs: number): number =>
      standin.store.create('maintenance.request', [
        {
          name,
          equipment_id: equipment,
          maintenance_type: 'preventive',
          schedule_date: odooDatetime(startMs),
          schedule_end: odooDatetime(endMs),
        },
      ])[0]!;
    const r1 = request(pl1!, 'Monthly check', T + H, T + 2.5 * H);
    await sync.pollOnce();

    const input = simulatePlant(h.topology, {
      seed: 23,
      startMs: T,
      untilMs: T + 9.5 * H,
      lateShare: 0,
      badShare: 0,
      outOfOrderShare: 0.02,
    });
    const cut = input.samples.findIndex((s) => s.tsMs >= T + 9 * H);
    await h.produceSamples(input.samples.slice(0, cut));
    const first = await h.start({ client: 'kafkajs' });
    await h.waitProcessed([first], 180_000);
    // Filed in Odoo after press-02's early shift closed: it amends that shift.
    odooNow = T + 9 * H;
    const r2 = request(sp2!, 'Oil change', T + 0.5 * H, T + 3.25 * H);
    // Odoo answers the sync's read of the requests with a 503, then resets the connection: the
    // client retries reads, and the snapshot published is the whole one.
    standin.faults.inject({ kind: 'http5xx', model: 'maintenance.request', method: 'search_read', times: 1 });
    standin.faults.inject({ kind: 'reset', model: 'maintenance.request', method: 'search_read', times: 1 });
    await sync.pollOnce();
    expect(standin.faults.fired['http5xx']).toBe(1);
    expect(standin.faults.fired['reset']).toBe(1);
    await new Promise((r) => setTimeout(r, 3_000));
    await first.kill9();
    await h.produceSamples(input.samples.slice(cut));
    const second = await h.start({ client: 'kafkajs', name: 'restarted' });
    await h.waitProcessed([second], 180_000);
    await second.stop();

    const planned = new Map<string, PlannedStop[]>([
      ['press-line-1', [{ requestId: r1, name: 'Monthly check', startMs: T + H, endMs: T + 2.5 * H }]],
      ['press-02', [{ requestId: r2, name: 'Oil change', startMs: T + 0.5 * H, endMs: T + 3.25 * H }]],
    ]);
    const summaries = await collectSummaries(h);
    expect(summaries.conflicts).toEqual([]);
    const cmp = compareWithReference(h, input.samples, summaries.last, await h.checkpointWatermarks(), { planned });
    expect(cmp.mismatches.slice(0, 5), `${cmp.mismatches.length} summaries differ from the reference`).toEqual([]);
    expect(cmp.compared).toBeGreaterThan(50);
    const early = (wc: string): WindowSummary => summaries.last.get(`shift/2026-06-02/early/${wc}`)!;
    for (const wc of ['press-line-1', 'press-02']) {
      const pm = early(wc).intervals.filter((i) => i.reason === 'planned-maintenance');
      expect(pm.length, wc).toBeGreaterThan(0);
    }
    // The request filed late amended press-02's closed early shift; press-line-1's was known in time.
    expect(early('press-02').revision).toBeGreaterThan(1);
    expect(early('press-line-1').revision).toBe(1);
  }, 480_000);
});
