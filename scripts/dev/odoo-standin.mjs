// A local Odoo stand-in for trying `post --kind orders` end to end (docs/odoo.md, "Example: per-order
// output end to end"): the test stand-in (src/testkit/odoo-standin, built to dist/), seeded with the
// topology's work centers (by odooCode) and, for every order reference the export's order tags name
// on a work center, an mrp.production of that name (a consumable product, so scraps validate) with
// one started work order (state progress) there. Prints the environment for the shiftstream
// commands, then serves until Ctrl-C and prints each work order's qty_produced and the validated
// scrap on the way out. Not for production: a real plant points SHIFTSTREAM_ODOO__URL at its Odoo.
//
//   node scripts/dev/odoo-standin.mjs --topology <file> --orders-from <export.ndjson>
//     [--version 17|18|19] [--port 8069]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startOdooStandin } from '../../dist/testkit/odoo-standin/index.js';
import { loadTopology } from '../../dist/topology/index.js';

const { values } = parseArgs({
  options: {
    topology: { type: 'string' },
    'orders-from': { type: 'string' },
    version: { type: 'string', default: '17' },
    port: { type: 'string', default: '8069' },
  },
});
if (values.topology === undefined || values['orders-from'] === undefined) {
  process.stderr.write('usage: node scripts/dev/odoo-standin.mjs --topology <file> --orders-from <export.ndjson>\n');
  process.exit(2);
}
const topology = loadTopology(values.topology);
const plan = topology.plant;
const workCenters = [...plan.workCenters.values()];
const standin = await startOdooStandin({
  version: Number(values.version),
  port: Number(values.port),
  workCenters: workCenters.map((w) => ({ code: w.odooCode, name: w.workCenterId })),
  products: [{ default_code: 'FG-1', name: 'Finished good', storable: false }],
});
// Losses the topology names by name (not by external id, e.g. Chicago's "Planned Downtime") are
// losses the plant created in Odoo: created here too, as availability losses.
const availability = standin
  .records('mrp.workcenter.productivity.loss.type')
  .find((t) => t['loss_type'] === 'availability');
const known = new Set(standin.records('mrp.workcenter.productivity.loss').map((l) => l['name']));
for (const ref of new Set(topology.odoo.losses.values())) {
  if (/^[a-z_]+\.[a-z0-9_]+$/.test(ref) || known.has(ref)) continue;
  standin.store.create('mrp.workcenter.productivity.loss', [
    { name: ref, loss_id: availability['id'], manual: true, sequence: 50 },
  ]);
}
const product = standin.records('product.product').find((p) => p['default_code'] === 'FG-1')['id'];

// The orders the export's order tags name, per work center, with the first instant each appears.
const orders = new Map();
for (const line of readFileSync(values['orders-from'], 'utf8').split('\n')) {
  if (line === '') continue;
  const s = JSON.parse(line);
  const tag = plan.tags.get(s.tag);
  if (tag?.kind !== 'order' || typeof s.value !== 'string' || s.value === '') continue;
  const wc = plan.machines.get(tag.machineId).workCenterId;
  const key = `${wc}|${s.value}`;
  const tsMs = typeof s.ts === 'number' ? s.ts : Date.parse(s.ts);
  if (!orders.has(key)) orders.set(key, { wc, ref: s.value, tsMs });
}
const wcIds = new Map(standin.records('mrp.workcenter').map((r) => [r['code'], r['id']]));
const productions = new Map();
for (const o of orders.values()) {
  const code = plan.workCenters.get(o.wc).odooCode;
  let mo = productions.get(o.ref);
  if (mo === undefined) {
    [mo] = standin.store.create('mrp.production', [{ name: o.ref, product_id: product, product_qty: 100_000 }]);
    productions.set(o.ref, mo);
  }
  const start = new Date(o.tsMs).toISOString().slice(0, 19).replace('T', ' ');
  standin.store.create('mrp.workorder', [
    {
      name: `${o.ref} ${code}`,
      workcenter_id: wcIds.get(code),
      production_id: mo,
      state: 'progress',
      date_start: start,
    },
  ]);
}
process.stdout.write(
  `odoo stand-in (Odoo ${values.version}) on ${standin.url}: ${workCenters.length} work centers, ` +
    `${productions.size} productions, ${orders.size} work orders in progress\n` +
    `export SHIFTSTREAM_ODOO__URL=${standin.url} SHIFTSTREAM_ODOO__DB=${standin.db} ` +
    `SHIFTSTREAM_ODOO__LOGIN=${standin.login} SHIFTSTREAM_ODOO__API_KEY=${standin.apiKey}\n`,
);

const stop = async () => {
  const scraps = standin.records('stock.scrap').filter((r) => r['state'] === 'done');
  for (const wo of standin.records('mrp.workorder')) {
    const scrap = scraps.filter((s) => s['workorder_id'] === wo['id']).reduce((n, s) => n + Number(s['scrap_qty']), 0);
    process.stdout.write(`${wo['name']}: qty_produced ${wo['qty_produced'] ?? 0}, scrap ${scrap}\n`);
  }
  await standin.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
