// Odoo posting: shift summaries of a synthetic plant (a simulated week through the real core) posted
// by the productivity writer (batched create, Redis ledger) to the Odoo stand-in with a fixed
// latency per call (20 ms: a remote Odoo). Reports records/s and calls per 1,000 records, for the
// `post` command's default batch (500 records per create call) and for one record per call (the
// trap of performance.md) on a slice, in the same run.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { infraEnv, ROOT } from './lib/kafka.mjs';
import { WORK_DIR } from './lib/data.mjs';
import { writeSyntheticTopology, runTopics } from './lib/topology.mjs';
import { benchArgs } from './lib/args.mjs';

const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

/**
 * @param {{ machines?: number, days?: number, latencyMs?: number, batchCounts?: number[], log?: (s: string) => void }}
 * o
 */
export async function odooPosting(o = {}) {
  const machines = o.machines ?? 20;
  const days = o.days ?? 7;
  const latencyMs = o.latencyMs ?? 20;
  const { loadTopology } = await dist('topology/index.js');
  const { mapSample } = await dist('core/mapping.js');
  const { WindowedProcessor } = await dist('core/processor.js');
  const { createPlantSimulator } = await dist('sim/index.js');
  const { startOdooStandin } = await dist('testkit/odoo-standin/index.js');
  const { createOdooClient } = await dist('io/odoo/client.js');
  const { createMasterData, masterDataRequestOf } = await dist('io/odoo/master-data.js');
  const { createProductivityWriter } = await dist('io/odoo/productivity-writer.js');
  const { createRedisLedger } = await dist('io/odoo/redis-ledger.js');

  const file = writeSyntheticTopology({
    file: join(WORK_DIR, `topology-odoo-${machines}.yaml`),
    machines,
    plantId: `bench-odoo-${machines}`,
    topics: runTopics('bench.odoo.raw', 'bench.odoo'),
    windows: [],
  });
  // The generator writes tumbling windows only; a shift window is what Odoo receives.
  const { readFileSync, writeFileSync } = await import('node:fs');
  writeFileSync(file, readFileSync(file, 'utf8').replace('windows:\n', 'windows:\n  - { kind: shift }\n'));
  const topology = loadTopology(file);
  const plan = topology.plant;
  const startMs = Date.UTC(2026, 2, 2);
  const sim = createPlantSimulator(plan, { seed: 11, startMs, outOfOrderShare: 0, lateShare: 0, badShare: 0 });
  const processor = new WindowedProcessor(plan);
  const summaries = [];
  const endMs = startMs + days * 86_400_000;
  for (let t = startMs + 3_600_000; t <= endMs + 3_600_000; t += 3_600_000) {
    const events = [];
    for (const s of sim.next(t)) {
      const v = mapSample(plan, s);
      if (v.ok) events.push(v.event);
    }
    for (const s of processor.ingest(events).summaries) if (s.final !== false) summaries.push(s);
  }
  const codes = [...plan.workCenters.values()].map((wc) => ({ workCenterId: wc.workCenterId, odooCode: wc.odooCode }));
  const redis = new Redis(infraEnv().SHIFTSTREAM_REDIS__URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  const results = [];
  try {
    for (const batchCount of o.batchCounts ?? [500, 1]) {
      const standin = await startOdooStandin({
        version: 19,
        workCenters: codes.map((c) => ({ code: c.odooCode })),
        latencyMs,
      });
      const client = createOdooClient({
        url: standin.url,
        db: standin.db,
        login: standin.login,
        apiKey: standin.apiKey,
        protocol: 'auto',
        timeoutMs: 10_000,
        readRetry: { initialMs: 10, maxMs: 200, multiplier: 2, maxAttempts: 4 },
      });
      const masterData = createMasterData({ client, refreshMs: 600_000, nowMs: Date.now });
      const request = masterDataRequestOf(codes, topology.odoo.losses);
      const prefix = `bench:odoo:${randomBytes(6).toString('hex')}:`;
      const writer = createProductivityWriter({
        client,
        ledger: createRedisLedger({ redis, prefix, retentionMs: 3_600_000 }),
        mapping: topology.odoo,
        targets: () => masterData.resolve(request),
        policy: {
          count: batchCount,
          periodMs: 5_000,
          ceiling: { count: Math.max(batchCount, 2_000), bytes: 16 * 1024 * 1024 },
        },
        retry: { initialMs: 10, maxMs: 200, multiplier: 2, maxAttempts: 6 },
        nowMs: Date.now,
      });
      try {
        // One record per call is slow by design: post a slice of the week so it ends in seconds.
        const input = batchCount === 1 ? summaries.slice(0, Math.ceil(summaries.length / 10)) : summaries;
        await client.authenticate();
        await masterData.resolve(request); // master data resolved and cached before timing
        standin.calls.reset();
        const before = standin.records('mrp.workcenter.productivity').length;
        const t0 = performance.now();
        const r = await writer.post(input);
        const f = await writer.flush();
        const seconds = (performance.now() - t0) / 1000;
        const failures = r.failures.length + f.failures.length;
        const records = standin.records('mrp.workcenter.productivity').length - before;
        const calls = standin.calls.count();
        results.push({
          batchCount,
          latencyMsPerCall: latencyMs,
          summaries: input.length,
          records,
          failures,
          seconds: +seconds.toFixed(2),
          recordsPerSec: Math.round(records / seconds),
          calls,
          callsPer1000Records: +((calls * 1000) / records).toFixed(2),
        });
        o.log?.(`odoo: batch ${batchCount}: ${records} records in ${seconds.toFixed(2)} s, ${calls} calls`);
      } finally {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
        client.close();
        await standin.stop();
      }
    }
  } finally {
    redis.disconnect();
  }
  return { machines, days, shiftSummaries: summaries.length, runs: results };
}

/**
 * The material poster (post --kind material: consumption move lines, produced lots, validated
 * internal transfers) against the Odoo stand-in with `latencyMs` per call, and in the same
 * invocation the baseline: the same Odoo records written by bare JSON-RPC/JSON-2 calls (one
 * stock.move.line create per consumption, a stock.lot create and a production write per produced
 * lot, a picking create, its line and button_validate per transfer; the moves, picking type and
 * locations looked up before timing), without keys, markers, lookups or ledger. Both end states are
 * checked equal. Reported: seconds and calls of each, and the poster's ratios to the baseline.
 *
 * @param {{ latencyMs?: number, productions?: number, lotsPerProduction?: number, transfers?: number,
 *   rounds?: number, log?: (s: string) => void }} o
 */
export async function materialPosting(o = {}) {
  const latencyMs = o.latencyMs ?? 20;
  const productions = o.productions ?? 4;
  const lotsPerProduction = o.lotsPerProduction ?? 12;
  const transfers = o.transfers ?? 16;
  const rounds = o.rounds ?? 2;
  const { startOdooStandin } = await dist('testkit/odoo-standin/index.js');
  const { createOdooClient } = await dist('io/odoo/client.js');
  const { createMaterialItemPoster, materialItem, materialLedgerOn } = await dist('io/odoo/material-poster.js');
  const { createRedisKeyValue } = await dist('io/redis/redis-key-value.js');

  const plantId = 'bench-material';
  const plan = {
    topic: `shiftstream.${plantId}.material`,
    genealogyTopic: `shiftstream.${plantId}.genealogy`,
    products: new Map([
      ['COIL-DC04', { odoo: 'COIL', unit: 'Units' }],
      ['PANEL-A', { odoo: 'PANEL', unit: 'Units' }],
    ]),
    locations: new Map([
      ['COIL-STORE', 'WH/Stock/Coils'],
      ['PRESS-LINE', 'WH/Stock/Press'],
    ]),
    tags: new Map(),
  };
  const T0 = Date.UTC(2026, 2, 2, 6);
  const facts = (f) => ({
    lot: null,
    product: null,
    unit: null,
    fromLocation: null,
    toLocation: null,
    package: null,
    deviceId: null,
    reference: null,
    ...f,
  });
  const milestone = (kind, at, orderRef, quantity, material) => ({
    plantId,
    machineId: 'press-01',
    workCenterId: 'wc-1',
    kind,
    tsMs: at,
    tag: null,
    reason: null,
    orderRef,
    quantity,
    material: facts(material),
  });
  const moName = (i) => `WH/MO/B${String(i + 1).padStart(3, '0')}`;
  const coilName = (i, j) => `C-${i + 1}-${j + 1}`;
  // Each consumption its own (production, lot) line; one produced lot per production; transfers of other coils.
  const events = [];
  for (let i = 0; i < productions; i++) {
    for (let j = 0; j < lotsPerProduction; j++)
      events.push(
        milestone('lot_consumed', T0 + (i * 100 + j) * 1000, moName(i), 2, {
          lot: coilName(i, j),
          product: 'COIL-DC04',
          reference: `scan-${i}-${j}`,
        }),
      );
    events.push(
      milestone('lot_produced', T0 + (i * 100 + 99) * 1000, moName(i), 1, { lot: `P-${i + 1}`, product: 'PANEL-A' }),
    );
  }
  for (let k = 0; k < transfers; k++)
    events.push(
      milestone('inventory_move', T0 + (9_000 + k) * 1000, null, 1, {
        lot: `T-${k + 1}`,
        product: 'COIL-DC04',
        fromLocation: 'COIL-STORE',
        toLocation: 'PRESS-LINE',
      }),
    );
  const items = events.map((m) => materialItem(plan, m));
  if (items.some((it) => it.event === null)) throw new Error('bench material: an event was rejected');

  /** A stand-in with the world of test/support/material-fixture.ts, sized for the events. */
  async function world() {
    const standin = await startOdooStandin({
      version: 19,
      workCenters: [{ code: 'WC-01' }],
      products: [
        { default_code: 'COIL', name: 'Coil DC04', tracking: 'lot' },
        { default_code: 'PANEL', name: 'Panel A', tracking: 'lot' },
      ],
      latencyMs,
    });
    const client = createOdooClient({
      url: standin.url,
      db: standin.db,
      login: standin.login,
      apiKey: standin.apiKey,
      protocol: 'auto',
      timeoutMs: 30_000,
      readRetry: { initialMs: 10, maxMs: 200, multiplier: 2, maxAttempts: 4 },
    });
    const one = (ids) => ids[0];
    const product = async (code) => one(await client.search('product.product', [['default_code', '=', code]]));
    const coil = await product('COIL');
    const panel = await product('PANEL');
    const stock = one(await client.search('stock.location', [['complete_name', '=', 'WH/Stock']]));
    const coilStore = one(await client.create('stock.location', [{ name: 'Coils', location_id: stock }]));
    const pressLine = one(await client.create('stock.location', [{ name: 'Press', location_id: stock }]));
    const lots = new Map();
    const names = [];
    for (let i = 0; i < productions; i++) for (let j = 0; j < lotsPerProduction; j++) names.push(coilName(i, j));
    for (let k = 0; k < transfers; k++) names.push(`T-${k + 1}`);
    for (const name of names) {
      const lot = one(await client.create('stock.lot', [{ name, product_id: coil, company_id: 1 }]));
      lots.set(name, lot);
      const quant = one(
        await client.callMethod('stock.quant', 'create', null, {
          vals_list: [{ product_id: coil, location_id: coilStore, lot_id: lot, inventory_quantity: 10 }],
          context: { inventory_mode: true },
        }),
      );
      await client.callMethod('stock.quant', 'action_apply_inventory', [quant], { context: { inventory_mode: true } });
    }
    const tmpl = (await client.searchRead('product.product', [['id', '=', panel]], ['product_tmpl_id']))[0]
      .product_tmpl_id[0];
    const bom = one(
      await client.create('mrp.bom', [
        {
          product_tmpl_id: tmpl,
          product_id: panel,
          product_qty: 1,
          bom_line_ids: [[0, 0, { product_id: coil, product_qty: 2 }]],
        },
      ]),
    );
    const mos = new Map();
    for (let i = 0; i < productions; i++) {
      const moId = one(
        await client.create('mrp.production', [
          {
            name: moName(i),
            product_id: panel,
            product_qty: lotsPerProduction,
            bom_id: bom,
            location_src_id: coilStore,
          },
        ]),
      );
      await client.callMethod('mrp.production', 'action_confirm', [moId]);
      const rawMove = (
        await client.searchRead('stock.move', [['raw_material_production_id', '=', moId]], ['id', 'location_dest_id'])
      )[0];
      mos.set(moName(i), { moId, rawMove: rawMove.id, rawDest: rawMove.location_dest_id[0] });
    }
    const internal = one(
      await client.search('stock.picking.type', [['code', '=', 'internal']], { limit: 1, order: 'id' }),
    );
    return { standin, client, coil, panel, coilStore, pressLine, lots, mos, internal };
  }

  /** What Odoo holds, comparable between the two runs. */
  function endState(w) {
    const lotName = new Map(w.standin.records('stock.lot').map((l) => [l.id, l.name]));
    const lines = w.standin
      .records('stock.move.line')
      .filter((l) => l.picked === true)
      .map((l) => `${lotName.get(l.lot_id)} ${l.location_id} ${l.location_dest_id} ${Number(l.quantity)}`)
      .sort();
    const producing = w.standin
      .records('mrp.production')
      .map((m) => `${m.name} ${(m.lot_producing_ids ?? []).map((id) => lotName.get(id)).join(',')}`)
      .sort();
    const done = w.standin.records('stock.picking').filter((p) => p.state === 'done').length;
    return JSON.stringify({ lines, producing, done });
  }

  async function poster(w, redis) {
    const prefix = `bench:material:${randomBytes(6).toString('hex')}:`;
    const p = createMaterialItemPoster({
      client: w.client,
      ledger: materialLedgerOn(createRedisKeyValue(redis, prefix, 3_600_000)),
      plan,
      workCenterId: async () => undefined,
      retry: { initialMs: 10, maxMs: 200, multiplier: 2, maxAttempts: 6 },
      insufficient: 'refuse',
      codecs: { prepare: async () => undefined },
    });
    const r = await p.post(items);
    if (r.refused.length > 0) throw new Error(`bench material: refused ${JSON.stringify(r.refused[0].error.message)}`);
    return prefix;
  }

  async function baseline(w) {
    for (const { rawMove } of w.mos.values())
      await w.client.write('stock.move', [rawMove], { manual_consumption: true });
    for (const it of items) {
      const e = it.event;
      if (e.kind === 'lot_consumed') {
        const mo = w.mos.get(e.orderRef);
        await w.client.create('stock.move.line', [
          {
            move_id: mo.rawMove,
            product_id: w.coil,
            lot_id: w.lots.get(e.lot),
            location_id: w.coilStore,
            location_dest_id: mo.rawDest,
            quantity: e.quantity,
            picked: true,
          },
        ]);
      } else if (e.kind === 'lot_produced') {
        const mo = w.mos.get(e.orderRef);
        const [lot] = await w.client.create('stock.lot', [{ name: e.lot, product_id: w.panel, company_id: 1 }]);
        await w.client.write('mrp.production', [mo.moId], { lot_producing_ids: [[4, lot]] });
      } else {
        const [picking] = await w.client.create('stock.picking', [
          {
            picking_type_id: w.internal,
            location_id: w.coilStore,
            location_dest_id: w.pressLine,
            move_ids: [
              [
                0,
                0,
                {
                  product_id: w.coil,
                  product_uom_qty: e.quantity,
                  location_id: w.coilStore,
                  location_dest_id: w.pressLine,
                },
              ],
            ],
          },
        ]);
        const [move] = await w.client.search('stock.move', [['picking_id', '=', picking]]);
        await w.client.create('stock.move.line', [
          {
            move_id: move,
            picking_id: picking,
            product_id: w.coil,
            lot_id: w.lots.get(e.lot),
            location_id: w.coilStore,
            location_dest_id: w.pressLine,
            quantity: e.quantity,
            picked: true,
          },
        ]);
        const res = await w.client.callMethod('stock.picking', 'button_validate', [picking], {
          context: { skip_backorder: true, picking_ids_not_to_backorder: [picking] },
        });
        if (res !== true) throw new Error(`bench material baseline: button_validate answered ${JSON.stringify(res)}`);
      }
    }
  }

  const redis = new Redis(infraEnv().SHIFTSTREAM_REDIS__URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  const runs = [];
  try {
    // Interleaved: baseline, poster, baseline, poster... each on a fresh stand-in with the same world.
    for (let round = 0; round < rounds; round++)
      for (const which of ['baseline', 'poster']) {
        const w = await world();
        let prefix;
        try {
          await w.client.authenticate();
          w.standin.calls.reset();
          const t0 = performance.now();
          if (which === 'poster') prefix = await poster(w, redis);
          else await baseline(w);
          const seconds = (performance.now() - t0) / 1000;
          runs.push({ which, round, seconds: +seconds.toFixed(3), calls: w.standin.calls.count(), state: endState(w) });
          o.log?.(`material: ${which} round ${round + 1}: ${seconds.toFixed(2)} s, ${w.standin.calls.count()} calls`);
        } finally {
          if (prefix !== undefined) {
            let cursor = '0';
            do {
              const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
              cursor = next;
              if (keys.length > 0) await redis.del(...keys);
            } while (cursor !== '0');
          }
          w.client.close();
          await w.standin.stop();
        }
      }
  } finally {
    redis.disconnect();
  }
  const states = new Set(runs.map((r) => r.state));
  if (states.size !== 1) throw new Error('bench material: the poster and the baseline left different records in Odoo');
  const median = (which, f) => {
    const xs = runs
      .filter((r) => r.which === which)
      .map((r) => r[f])
      .sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  const summary = {
    latencyMsPerCall: latencyMs,
    events: { consumptions: productions * lotsPerProduction, producedLots: productions, transfers },
    poster: { seconds: median('poster', 'seconds'), calls: median('poster', 'calls') },
    baseline: { seconds: median('baseline', 'seconds'), calls: median('baseline', 'calls') },
  };
  summary.ratio = {
    seconds: +(summary.poster.seconds / summary.baseline.seconds).toFixed(2),
    calls: +(summary.poster.calls / summary.baseline.calls).toFixed(2),
  };
  summary.eventsPerSec = {
    poster: Math.round(items.length / summary.poster.seconds),
    baseline: Math.round(items.length / summary.baseline.seconds),
  };
  return { summary, runs: runs.map((r) => ({ which: r.which, round: r.round, seconds: r.seconds, calls: r.calls })) };
}

// `node bench/odoo-posting.mjs --material [--latency-ms 20] [--rounds 2]`: the material bench alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--material')) {
  const { loadavg } = await import('node:os');
  const { values } = benchArgs(import.meta.url, {
    options: {
      material: { type: 'boolean' },
      'latency-ms': { type: 'string', default: '20' },
      rounds: { type: 'string', default: '2' },
    },
  });
  const before = loadavg();
  const r = await materialPosting({
    latencyMs: Number(values['latency-ms']),
    rounds: Number(values.rounds),
    log: (s) => console.log(s),
  });
  const s = r.summary;
  console.log(
    `material poster: ${s.poster.seconds} s, ${s.poster.calls} calls for ${s.events.consumptions} consumptions, ` +
      `${s.events.producedLots} produced lots, ${s.events.transfers} transfers (${s.eventsPerSec.poster} events/s); ` +
      `baseline (bare calls, same records): ${s.baseline.seconds} s, ${s.baseline.calls} calls; ` +
      `ratio poster/baseline: time x${s.ratio.seconds}, calls x${s.ratio.calls} ` +
      `(${s.latencyMsPerCall} ms per call; load ${before.map((x) => x.toFixed(1)).join(' ')} -> ` +
      `${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')})`,
  );
}
