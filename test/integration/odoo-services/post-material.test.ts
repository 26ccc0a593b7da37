// `post --kind material` end to end: the compiled CLI in a child process, real Kafka (Milestone Avro
// through the registry, on the milestones topic and on the canonical material topic) and Redis, the
// Odoo stand-in on 17 (JSON-RPC) and 19 (JSON-2), under the fault matrix: a 503, a connection reset,
// a lost response after commit, a serialization failure, and a kill -9 of `post` while a move-line
// write is held in Odoo. Afterwards Odoo's picked component lines per (production, lot, location),
// its produced lots and its transfers equal the events exactly: 0 missing, 0 doubled (re-sent scans
// included). Unknown codes are dead-lettered with the reject reason, an unknown lot with Odoo's.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import type { AuditRecord, DeadLetter } from '../../../src/ports/dead-letters.js';
import { MATERIAL_MARKER } from '../../../src/io/odoo/material-poster.js';
import {
  T0,
  consumed,
  moved,
  produced,
  startMaterialWorld,
  type MaterialWorld,
} from '../../support/material-fixture.js';
import { eventually } from '../support/env.js';
import { PROTOCOL_CASES, cleanRedis, newPlant, odooEnv, runCli, suiteContext } from './support.js';

const suite = suiteContext();

const MATERIAL_YAML = [
  'material:',
  '  products:',
  '    COIL-DC04: { odoo: COIL, unit: Units }',
  '    PANEL-A: { odoo: PANEL, unit: Units }',
  '    BOLT-M8: { odoo: BOLT, unit: Units }',
  '  locations:',
  '    COIL-STORE: WH/Stock/Coils',
  '    PRESS-LINE: WH/Stock/Press',
  '',
].join('\n');

const H = 3_600_000;

/** What Odoo holds, as comparable text lines (sorted). */
function odooSide(w: MaterialWorld, mos: ReadonlyMap<string, number>): string[] {
  const lotName = new Map(w.standin.records('stock.lot').map((l) => [l['id'], String(l['name'])]));
  const moName = new Map([...mos].map(([name, id]) => [id, name]));
  const locName = new Map(w.standin.records('stock.location').map((l) => [l['id'], String(l['complete_name'])]));
  const rawMoveMo = new Map(
    w.standin
      .records('stock.move')
      .filter((m) => typeof m['raw_material_production_id'] === 'number')
      .map((m) => [m['id'], m['raw_material_production_id']]),
  );
  const out: string[] = [];
  const sums = new Map<string, number>();
  for (const l of w.standin.records('stock.move.line')) {
    const mo = rawMoveMo.get(l['move_id']);
    if (mo === undefined || l['picked'] !== true) continue;
    const k = `consumed ${moName.get(mo as number)} ${lotName.get(l['lot_id'])} ${locName.get(l['location_id'])}`;
    sums.set(k, (sums.get(k) ?? 0) + Number(l['quantity']));
  }
  for (const [k, q] of sums) out.push(`${k} ${Math.round(q * 1e6) / 1e6}`);
  for (const [name, id] of mos) {
    const mo = w.standin.records('mrp.production').find((m) => m['id'] === id)!;
    const ids = Array.isArray(mo['lot_producing_ids'])
      ? (mo['lot_producing_ids'] as number[])
      : typeof mo['lot_producing_id'] === 'number'
        ? [mo['lot_producing_id']]
        : [];
    for (const lot of ids) out.push(`produced ${name} ${lotName.get(lot)}`);
  }
  const pickings = w.standin.records('stock.picking').filter((p) => String(p['origin']).startsWith(MATERIAL_MARKER));
  const packageModel = w.standin.version >= 19 ? 'stock.package' : 'stock.quant.package';
  const pkgName = new Map(w.standin.records(packageModel).map((p) => [p['id'], String(p['name'])]));
  for (const p of pickings) {
    const lines = w.standin.records('stock.move.line').filter((l) => l['picking_id'] === p['id']);
    for (const l of lines)
      out.push(
        `moved ${String(l['lot_id'] === false ? '-' : lotName.get(l['lot_id']))} ${locName.get(l['location_id'])} ` +
          `${locName.get(l['location_dest_id'])} ${Number(l['quantity'])} ${String(p['state'])} ` +
          `${pkgName.get(l['result_package_id']) ?? '-'}`,
      );
  }
  return out.sort();
}

/** The same lines from the events alone (each distinct event once; `order` resolves a consumption without one). */
function eventSide(events: readonly MilestoneRecord[], order: (m: MilestoneRecord) => string): string[] {
  const seen = new Set<string>();
  const sums = new Map<string, number>();
  const out: string[] = [];
  const loc = (code: string | null | undefined): string =>
    code === 'PRESS-LINE' ? 'WH/Stock/Press' : 'WH/Stock/Coils';
  for (const m of events) {
    const id = JSON.stringify(m);
    if (seen.has(id)) continue;
    seen.add(id);
    const lot = m.material?.lot ?? '-';
    if (m.kind === 'lot_consumed') {
      const k = `consumed ${order(m)} ${lot} ${loc(m.material?.fromLocation)}`;
      sums.set(k, (sums.get(k) ?? 0) + (m.quantity ?? 0));
    } else if (m.kind === 'lot_produced') out.push(`produced ${m.orderRef} ${lot}`);
    else
      out.push(
        `moved ${lot} ${loc(m.material?.fromLocation)} ${loc(m.material?.toLocation)} ${m.quantity} done ` +
          `${m.material?.package ?? '-'}`,
      );
  }
  for (const [k, q] of sums) out.push(`${k} ${Math.round(q * 1e6) / 1e6}`);
  return out.sort();
}

describe.each(PROTOCOL_CASES)('shiftstream post --kind material over Kafka: $name', ({ version }) => {
  it('the fault matrix and a kill -9 mid-batch: move lines, lots and transfers equal the events', async () => {
    const plant = await newPlant(1);
    await writeFile(plant.topologyFile, (await readFile(plant.topologyFile, 'utf8')) + MATERIAL_YAML);
    const materialTopic = `shiftstream.${plant.plantId}.material`;
    const w = await startMaterialWorld(version, 100);
    const env = odooEnv(w.standin, w.standin.url, plant);
    const groupId = `shiftstream.${plant.plantId}.odoo-poster-material`;
    try {
      await suite.kafka.createTopics([plant.topics.milestones, materialTopic, plant.topics.dlq, plant.topics.audit]);
      // Three productions on WC-01, started 05:00, 07:00 and 09:00: the running one at t is the latest started.
      const mos = new Map<string, number>();
      for (const [i, start] of ['05', '07', '09'].entries()) {
        const name = `WH/MO/${version}0${i + 1}`;
        mos.set(name, (await w.production(name, 1, `2026-03-02 ${start}:00:00`)).moId);
      }
      const names = [...mos.keys()];
      const runningAt = (t: number): string => names[Math.min(2, Math.max(0, Math.floor((t - T0 + H) / (2 * H))))]!;
      const mine = (m: MilestoneRecord): MilestoneRecord => ({ ...m, plantId: plant.plantId, workCenterId: 'wc-1' });
      const lots = ['C-1', 'C-2', 'C-3'];
      const tagged: MilestoneRecord[] = []; // the milestones topic (mapped tags)
      const scanned: MilestoneRecord[] = []; // the canonical material topic (scanners, WMS)
      for (let i = 0; i < 30; i += 1) {
        const at = T0 + i * 8 * 60_000;
        const named = i % 3 !== 0; // every third one names no order: the running work order decides
        const e = mine(consumed(lots[i % 3]!, 0.5 + (i % 4) / 2, at, named ? names[i % 3]! : null));
        (i % 2 === 0 ? tagged : scanned).push(e);
      }
      for (const [i, name] of names.entries())
        scanned.push(mine(produced(`P-${version}-${i + 1}`, 1, T0 + i * H, name)));
      for (let i = 0; i < 6; i += 1) {
        const m = mine(moved(lots[i % 3]!, 1 + (i % 2), T0 + i * 60_000 + 17));
        // Half of them packed: pallets PAL-0 (used twice: created once) and PAL-1, in the version's package model.
        scanned.push(i % 2 === 0 ? { ...m, material: { ...m.material!, package: `PAL-${i % 4 === 0 ? 0 : 1}` } } : m);
      }
      scanned.push(mine(moved('C-1', 1, T0 + 99_000, 'PRESS-LINE', 'COIL-STORE')));
      // Re-sent scans: the same events again (applied once).
      scanned.push(scanned[0]!, scanned[3]!, scanned.at(-1)!);
      tagged.push(tagged[1]!);
      // Rejects: an unknown product code, an unknown location code; Odoo refuses an unknown lot.
      const unknownProduct = mine({
        ...consumed('C-1', 1, T0 + 5),
        material: { ...consumed('C-1', 1, 0).material!, product: 'COIL-XX' },
      });
      const unknownLocation = mine(moved('C-2', 1, T0 + 6, 'COIL-STORE', 'DOCK-9'));
      const unknownLot = mine(consumed('C-404', 1, T0 + 7, names[0]));
      scanned.push(unknownProduct, unknownLocation, unknownLot);
      await suite.kafka.produceMilestones(plant.topics.milestones, tagged);
      await suite.kafka.produceMilestones(materialTopic, scanned);
      const valid = [...tagged, ...scanned].filter(
        (m) => m !== unknownProduct && m !== unknownLocation && m !== unknownLot,
      );
      const expected = eventSide(valid, (m) => m.orderRef ?? runningAt(m.tsMs));

      // The matrix: a 503 on a line create, a reset on a note, a lost response after commit on a line
      // write, a serialization failure on a validation; then a line write held 2 s in Odoo (committed
      // there) while the poster is killed.
      w.standin.faults.inject({ kind: 'http5xx', model: 'stock.move.line', method: 'create', after: 1, times: 1 });
      w.standin.faults.inject({ kind: 'reset', model: 'mrp.production', method: 'message_post', after: 2, times: 1 });
      w.standin.faults.inject({ kind: 'lost-after-commit', model: 'stock.move.line', method: 'write', after: 1 });
      w.standin.faults.inject({ kind: 'serialization', model: 'stock.picking', method: 'button_validate', after: 1 });
      w.standin.faults.inject({
        kind: 'latency',
        model: 'stock.move.line',
        method: 'write',
        after: 6,
        latencyMs: 2_000,
      });
      const args = ['post', '--kind', 'material', '--topology', plant.topologyFile, '--flush-interval', '100ms'];
      const first = runCli(suite.driver, args, env);
      await eventually('held move-line write in flight', 90_000, () =>
        (w.standin.faults.fired['latency'] ?? 0) >= 1 ? true : undefined,
      );
      first.child.kill('SIGKILL');
      await first.exit;
      await new Promise((r) => setTimeout(r, 3_000));
      expect(w.standin.faults.fired['latency']).toBe(1);
      expect(odooSide(w, mos)).not.toEqual(expected);
      const second = runCli(suite.driver, args, env);
      await eventually('exact after the restart and committed', 120_000, async () => {
        const exact = JSON.stringify(odooSide(w, mos)) === JSON.stringify(expected);
        const committed =
          (await suite.kafka.fullyCommitted(groupId, plant.topics.milestones)) &&
          (await suite.kafka.fullyCommitted(groupId, materialTopic));
        return exact && committed ? true : undefined;
      });
      expect(odooSide(w, mos)).toEqual(expected);
      expect(w.standin.faults.fired).toMatchObject({
        http5xx: 1,
        reset: 1,
        'lost-after-commit': 1,
        serialization: 1,
        latency: 1,
      });
      second.child.kill('SIGINT');
      expect(await second.exit).toBe(130);
      // One package per pallet name, in the version's model.
      const pallets = w.standin.records(version >= 19 ? 'stock.package' : 'stock.quant.package');
      expect(pallets.map((p) => p['name']).sort()).toEqual(['PAL-0', 'PAL-1']);
      // One stock.lot per produced lot, one transfer per distinct move.
      for (const i of [1, 2, 3])
        expect(w.standin.records('stock.lot').filter((l) => l['name'] === `P-${version}-${i}`)).toHaveLength(1);
      expect(
        w.standin.records('stock.picking').filter((p) => String(p['origin']).startsWith(MATERIAL_MARKER)),
      ).toHaveLength(7);

      const dlq = await suite.kafka.readJson<DeadLetter>(plant.topics.dlq);
      const byCode = dlq.map((d) => `${d.value.error.code} ${d.value.error.message}`).sort();
      expect(byCode).toHaveLength(3);
      expect(byCode[0]).toMatch(/^SHIFTSTREAM_MATERIAL_REJECTED unknown-location: .*found "DOCK-9"$/);
      expect(byCode[1]).toMatch(/^SHIFTSTREAM_MATERIAL_REJECTED unknown-product: .*found "COIL-XX"$/);
      expect(byCode[2]).toMatch(/^SHIFTSTREAM_ODOO_MISSING .*expected a stock.lot "C-404" of product COIL/);
      expect(dlq.every((d) => d.value.service === 'material' && d.value.payload !== null)).toBe(true);

      // Reconcile: the refused consumption is missing; after the lot is received, dlq replay posts it.
      const reconcile = () =>
        runCli(
          suite.driver,
          [
            'reconcile',
            '--kind',
            'material',
            '--topology',
            plant.topologyFile,
            '--from',
            '2026-03-01',
            '--to',
            '2026-03-10',
          ],
          env,
        );
      const before = reconcile();
      expect(await before.exit, before.stdout() + before.stderr()).toBe(1);
      expect(before.stdout()).toMatch(/ missing .*lot_consumed COIL-DC04 lot C-404 x1 .*no consumption note/);
      expect(before.stdout()).toContain('41 material event(s), 40 in Odoo, 1 difference(s)');
      await w.client.create('stock.lot', [{ name: 'C-404', product_id: w.coil, company_id: 1 }]);
      const replay = runCli(suite.driver, ['dlq', 'replay', '--topology', plant.topologyFile], env);
      // The two rejects stay refused (the topology still lacks their codes): exit 1.
      expect(await replay.exit, replay.stderr()).toBe(1);
      expect(replay.stdout()).toContain('1 replayed, 2 still refused');
      const clean = reconcile();
      expect(await clean.exit, clean.stdout() + clean.stderr()).toBe(0);
      expect(clean.stdout()).toContain('41 material event(s), 41 in Odoo, 0 difference(s)');
      // Behind shiftstream's back: a line's quantity edited, a transfer cancelled.
      // A consumption line: a picked line of a production's component move.
      const raw = new Set(
        w.standin
          .records('stock.move')
          .filter((m) => typeof m['raw_material_production_id'] === 'number')
          .map((m) => m['id']),
      );
      const line = w.standin.records('stock.move.line').find((l) => l['picked'] === true && raw.has(l['move_id']))!;
      w.standin.store.update('stock.move.line', line['id'] as number, { quantity: 99 });
      const picking = w.standin.records('stock.picking').find((p) => String(p['origin']).startsWith(MATERIAL_MARKER))!;
      w.standin.store.update('stock.picking', picking['id'] as number, { state: 'cancel' });
      // A packed transfer's line taken out of its pallet.
      const packedLine = w.standin
        .records('stock.move.line')
        .find((l) => typeof l['result_package_id'] === 'number' && l['picking_id'] !== picking['id'])!;
      w.standin.store.update('stock.move.line', packedLine['id'] as number, { result_package_id: false });
      const dirty = reconcile();
      expect(await dirty.exit).toBe(1);
      expect(dirty.stdout()).toMatch(new RegExp(` altered +${line['id'] as number} .*: a picked line of [\\d.]+ +99`));
      expect(dirty.stdout()).toMatch(new RegExp(` altered +${picking['id'] as number} .* done +.* cancel`));
      expect(dirty.stdout()).toMatch(
        new RegExp(
          ` altered +${packedLine['picking_id'] as number} .* package PAL-[01] done +` +
            '[^ ]+ [^ ]+ -> [^ ]+ x[\\d.]+ done',
        ),
      );
      expect(dirty.stdout()).toContain('3 difference(s)');
      // A lot marked as shiftstream's, set as a production's producing lot, whose event is in no
      // topic: extra. A lot set by hand (no marker) on the same kind of production: not compared.
      const lost = await w.production(`WH/MO/${version}09`, 1, '2026-03-09 00:00:00');
      const spare = await w.production(`WH/MO/${version}08`, 1, '2026-03-09 00:00:00');
      const [marked] = await w.client.create('stock.lot', [
        {
          name: `X-${version}`,
          product_id: w.panel,
          company_id: 1,
          note:
            `<p>${MATERIAL_MARKER}${'ab'.repeat(16)}] produced by WH/MO/${version}09 on ${plant.plantId}/press-01 ` +
            'at 2026-03-02T10:00:00.000Z</p>',
        },
      ]);
      const [byHand] = await w.client.create('stock.lot', [
        { name: `H-${version}`, product_id: w.panel, company_id: 1 },
      ]);
      const producing = (lot: number) =>
        version >= 19 ? { lot_producing_ids: [[4, lot]] } : { lot_producing_id: lot };
      await w.client.write('mrp.production', [lost.moId], producing(marked!));
      await w.client.write('mrp.production', [spare.moId], producing(byHand!));
      const extra = reconcile();
      expect(await extra.exit).toBe(1);
      expect(extra.stdout()).toMatch(
        new RegExp(` extra +${marked!} .*no event +lot X-${version} of PANEL produced by WH/MO/${version}09`),
      );
      expect(extra.stdout()).not.toContain(`H-${version}`);
      expect(extra.stdout()).toContain('4 difference(s)');

      // Genealogy: trace reads the compacted topic; the trees equal a reconstruction from the events.
      const consumedIn = new Map<string, Set<string>>();
      const producedBy = new Map<string, Set<string>>();
      const madeBy = new Map<string, Set<string>>(); // order -> lots it produced
      const fedBy = new Map<string, Set<string>>(); // order -> lots it consumed
      const add = (m: Map<string, Set<string>>, k: string, v: string): void => {
        m.set(k, new Set([...(m.get(k) ?? []), v]));
      };
      for (const m of [...valid, unknownLot]) {
        const lot = m.material!.lot!;
        if (m.kind === 'lot_consumed') {
          const order = m.orderRef ?? runningAt(m.tsMs);
          add(consumedIn, lot, order);
          add(fedBy, order, lot);
        } else if (m.kind === 'lot_produced') {
          add(producedBy, lot, m.orderRef!);
          add(madeBy, m.orderRef!, lot);
        }
      }
      type Node = { lot: string; orders: { order: string; lots: Node[] }[] };
      const sorted = (x: Iterable<string>): string[] => [...x].sort();
      const forward = (lot: string): Node => ({
        lot,
        orders: sorted(consumedIn.get(lot) ?? []).map((order) => ({
          order,
          lots: sorted(madeBy.get(order) ?? []).map(forward),
        })),
      });
      const backward = (lot: string): Node => ({
        lot,
        orders: sorted(producedBy.get(lot) ?? []).map((order) => ({
          order,
          lots: sorted(fedBy.get(order) ?? []).map(backward),
        })),
      });
      const strip = (n: { lot: string; orders: { order: string; lots: unknown[] }[] }): Node => ({
        lot: n.lot,
        orders: n.orders.map((o) => ({ order: o.order, lots: (o.lots as (typeof n)[]).map(strip) })),
      });
      const trace = async (lot: string, dir: string): Promise<Node[]> => {
        const r = runCli(
          suite.driver,
          ['trace', '--topology', plant.topologyFile, '--lot', lot, `--${dir}`, '--json'],
          env,
        );
        expect(await r.exit, r.stderr()).toBe(0);
        return (JSON.parse(r.stdout()) as { roots: Parameters<typeof strip>[0][] }).roots.map(strip);
      };
      for (const lot of ['C-1', 'C-2', 'C-3', 'C-404']) {
        expect(await trace(lot, 'forward')).toEqual([forward(lot)]);
        expect(forward(lot).orders.length).toBeGreaterThan(0);
      }
      for (const i of [1, 2, 3]) {
        const lot = `P-${version}-${i}`;
        expect(await trace(lot, 'backward')).toEqual([backward(lot)]);
        expect(backward(lot).orders[0]!.lots.length).toBeGreaterThan(0);
      }
      const none = runCli(suite.driver, ['trace', '--topology', plant.topologyFile, '--lot', 'NOPE'], env);
      expect(await none.exit).toBe(1);
      expect(none.stderr()).toContain('the lot is in no edge');
    } finally {
      await w.close();
      await cleanRedis(plant);
    }
  }, 300_000);

  it("Odoo's refusals are dead-lettered and audited with Odoo's reason; our own checks with ours", async () => {
    const plant = await newPlant(1);
    const yaml = MATERIAL_YAML.replace(
      '    PRESS-LINE: WH/Stock/Press\n',
      '    PRESS-LINE: WH/Stock/Press\n    WH-VIEW: WH\n',
    );
    await writeFile(plant.topologyFile, (await readFile(plant.topologyFile, 'utf8')) + yaml);
    const materialTopic = `shiftstream.${plant.plantId}.material`;
    const w = await startMaterialWorld(version, 10, { addons: ['product_expiry'] });
    const env = odooEnv(w.standin, w.standin.url, plant);
    const groupId = `shiftstream.${plant.plantId}.odoo-poster-material`;
    try {
      await suite.kafka.createTopics([plant.topics.milestones, materialTopic, plant.topics.dlq, plant.topics.audit]);
      await w.client.write('stock.lot', [w.lots.get('C-1')!], { expiration_date: '2026-01-01 00:00:00' });
      // A closed production: its lot produced, closed without consuming.
      const closed = await w.production(`WH/MO/${version}50`, 1);
      const [lot] = await w.client.create('stock.lot', [{ name: `F-${version}`, product_id: w.panel, company_id: 1 }]);
      await w.client.write(
        'mrp.production',
        [closed.moId],
        version >= 19
          ? { lot_producing_ids: [[4, lot]], qty_producing: 1 }
          : { lot_producing_id: lot, qty_producing: 1 },
      );
      await w.client.callMethod('mrp.production', 'button_mark_done', [closed.moId], {
        context: { skip_consumption: true, skip_backorder: true },
      });
      await w.production(`WH/MO/${version}51`, 1);
      const mine = (m: MilestoneRecord): MilestoneRecord => ({ ...m, plantId: plant.plantId, workCenterId: 'wc-1' });
      const base = moved('C-1', 1, T0);
      const events = [
        mine({ ...base, material: { ...base.material!, lot: null } }), // Odoo: no lot for a tracked coil
        mine(moved('C-2', 1, T0 + 1, 'COIL-STORE', 'WH-VIEW')), // Odoo: a view location
        mine(moved('C-3', 11, T0 + 2)), // ours: 10 on hand (Odoo would go negative)
        mine(consumed('C-1', 1, T0 + 3, `WH/MO/${version}50`)), // ours: a done production
        mine(produced(`P-${version}-1`, 1, T0 + 4, `WH/MO/${version}51`)),
        mine(produced(`P-${version}-2`, 1, T0 + 5, `WH/MO/${version}51`)), // 19: Odoo; 17: ours
        mine(moved('C-1', 2, T0 + 6)), // expired: button_validate answers a wizard despite the keys
      ];
      await suite.kafka.produceMilestones(materialTopic, events);
      const run = runCli(
        suite.driver,
        ['post', '--kind', 'material', '--topology', plant.topologyFile, '--flush-interval', '100ms'],
        env,
      );
      await eventually('all handled and committed', 90_000, async () =>
        (await suite.kafka.fullyCommitted(groupId, materialTopic)) ? true : undefined,
      );
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(130);
      const dlq = (await suite.kafka.readJson<DeadLetter>(plant.topics.dlq)).map((d) => d.value);
      expect(dlq).toHaveLength(6);
      const bySubject = (text: string): DeadLetter => dlq.find((d) => d.subject.includes(text))!;
      const odoo = (d: DeadLetter) => [d.error.code, d.error.odooName, d.error.odooMessage];
      expect(odoo(bySubject('inventory_move COIL-DC04 x1 '))).toEqual([
        'SHIFTSTREAM_ODOO_VALIDATION',
        'odoo.exceptions.UserError',
        'You need to supply a Lot/Serial number for products [COIL] Coil DC04.',
      ]);
      expect(odoo(bySubject('lot C-2'))).toEqual([
        'SHIFTSTREAM_ODOO_VALIDATION',
        'odoo.exceptions.ValidationError',
        'You cannot take products from or deliver products to a location of type "view" (WH).',
      ]);
      expect(bySubject('lot C-2').error.message).toMatch(/inventory_move .* lot C-2 x1: Odoo refused it: odoo /);
      expect(odoo(bySubject('lot C-3'))).toEqual(['SHIFTSTREAM_ODOO_VALIDATION', null, null]);
      expect(bySubject('lot C-3').error.message).toContain('Odoo would accept it and let the quant go negative');
      expect(odoo(bySubject('lot_consumed'))).toEqual(['SHIFTSTREAM_ODOO_VALIDATION', null, null]);
      expect(bySubject('lot_consumed').error.message).toContain(`WH/MO/${version}50 is done in Odoo`);
      const second = bySubject(`lot P-${version}-2`);
      if (version >= 19)
        expect(odoo(second)).toEqual([
          'SHIFTSTREAM_ODOO_VALIDATION',
          'odoo.exceptions.UserError',
          'You cannot set more than 1 lot',
        ]);
      else expect(second.error.message).toContain('already produces lot');
      const expired = bySubject('lot C-1 x2');
      expect(odoo(expired)).toEqual(['SHIFTSTREAM_ODOO_VALIDATION', null, null]);
      expect(expired.error.message).toMatch(
        /was not validated: button_validate returned the expiry\.picking\.confirmation wizard/,
      );
      // The audit says the same for each.
      const audit = (await suite.kafka.readJson<AuditRecord>(plant.topics.audit)).map((a) => a.value);
      const dead = audit.filter((a) => a.status === 'dead-lettered');
      expect(dead.map((a) => [a.key, a.error?.odooMessage ?? null]).sort()).toEqual(
        dlq.map((d) => [d.key, d.error.odooMessage]).sort(),
      );
      expect(audit.filter((a) => a.status === 'posted').map((a) => a.subject)).toEqual([
        expect.stringContaining(`lot P-${version}-1`),
      ]);
      // Nothing moved for the refused transfers (Odoo rolled the validations back, the wizard validated
      // nothing; ours never wrote): no transfer done, the expired one waits in Odoo.
      expect(w.standin.records('stock.picking').filter((p) => p['state'] === 'done')).toHaveLength(0);
      expect(audit.some((a) => a.key === expired.key && a.status === 'posted')).toBe(false);
    } finally {
      await w.close();
      await cleanRedis(plant);
    }
  }, 180_000);
});
