// `shiftstream orders sync`: released work orders from Odoo to a compacted topic per work center.
import { UsageError } from '../../errors.js';
import { aborted, durationFlag, startCommand } from '../service-command.js';
import { createOrdersSync } from '../../engine/orders-sync.js';
import { createOdooPlannedMaintenanceReader } from '../../io/odoo/planned-maintenance-reader.js';
import { odooTopicsOf } from '../../topology/odoo-topics.js';
import { createOdooWorkOrderReader } from '../../io/odoo/work-order-reader.js';
import { createKafkaParts, createOdooRuntime } from '../odoo-wiring.js';
import { schemaTopicsOf } from '../posting-kinds.js';
import { EXIT_CODES, type CommandDef } from '../command.js';

const HELP = `Usage: shiftstream orders sync --topology <file> [--once] [options] [config flags]

Publishes Odoo's released work orders to the plant. Polls mrp.workorder with a cursor on
(write_date, id) kept in Redis; for every work center of the topology whose work orders changed it
publishes the full list of its released work orders (production confirmed, in progress or to close;
work order not done or cancelled) to a compacted topic keyed by workCenterId. The latest value of a
key is that work center's queue; an empty list means nothing is released there. Plant systems (and
the pipeline, to tag events with the running order) read that topic.

Options:
  --topology <file>      the plant's topology                                         required
  --once                 one poll, then exit (for cron or a first load)
  --interval <dur>       time between polls                                       default 30s
  --orders-topic <name>  default shiftstream.<plant>.orders (created compacted when missing)
  --reset                forget the cursor and publish every work center again

Examples:
  shiftstream orders sync --topology topologies/stamping-berlin.yaml --once
  shiftstream orders sync --topology topologies/stamping-berlin.yaml --interval 10s

Exit codes: 0 done (--once), 130 stopped by a signal, 2 bad flags, 3 configuration, 4 a server failed.
`;

export const ordersCommand: CommandDef = {
  name: 'orders',
  summary: "Order release from Odoo: 'orders sync' publishes released work orders per work center",
  help: HELP,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub !== 'sync')
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `orders: expected the subcommand 'sync', found ` +
          `${sub === undefined ? 'none' : `'${sub}'`}. See 'shiftstream orders --help'.`,
      );
    const { config, plan, values, logger } = startCommand('orders sync', rest, ctx.env, ctx.cwd, {
      once: { type: 'boolean' },
      interval: { type: 'string' },
      'orders-topic': { type: 'string' },
      reset: { type: 'boolean' },
    });
    const intervalMs = durationFlag('orders sync', 'interval', values['interval'], 30_000);
    const topics = odooTopicsOf(plan, { orders: values['orders-topic'] as string | undefined });
    const runtime = createOdooRuntime(config, plan, 'orders sync');
    try {
      await runtime.targets(); // fails fast when the topology names something Odoo lacks
      const kafka = await createKafkaParts(config, plan.plant.plantId, schemaTopicsOf(plan, []), logger);
      await kafka.ensureTopics([{ topic: topics.orders, compacted: true }]);
      if (values['reset'] === true) await runtime.kv.del('orders-cursor');
      const sink = kafka.sink();
      const workCentersOf = async (): Promise<Map<number, string>> =>
        new Map([...(await runtime.targets()).workCenters].map(([id, t]) => [t.odooId, id]));
      const sync = createOrdersSync({
        reader: createOdooWorkOrderReader(runtime.client),
        kv: runtime.kv,
        sink,
        topic: topics.orders,
        plantId: plan.plant.plantId,
        workCenters: workCentersOf,
        nowMs: Date.now,
        log: logger,
        // Section 11: finished work orders while their time can be amended (the horizon plus the
        // processor's bound on a shift's length, 2 days).
        finishedHorizonMs: plan.plant.eventTime.amendmentHorizonMs + 2 * 86_400_000,
        ...(plan.maintenance.equipment.size === 0
          ? {}
          : {
              planned: {
                reader: createOdooPlannedMaintenanceReader({
                  client: runtime.client,
                  equipment: plan.maintenance.equipment,
                  workCenters: workCentersOf,
                }),
                // What can still be amended: the horizon plus a day of the longest shifts.
                horizonMs: plan.plant.eventTime.amendmentHorizonMs + 24 * 3_600_000,
              },
            }),
      });
      let total = 0;
      try {
        for (;;) {
          const r = await sync.pollOnce();
          total += r.published.length;
          if (values['once'] === true) {
            ctx.stdout.write(
              `orders sync: ${r.changed} changed work order(s), ${r.published.length} ` +
                `work center snapshot(s) published to ${topics.orders}\n`,
            );
            return EXIT_CODES.ok;
          }
          const stop = await Promise.race([
            aborted(ctx.signal).then(() => true),
            new Promise<false>((r2) => setTimeout(() => r2(false), intervalMs).unref()),
          ]);
          if (stop) {
            ctx.stdout.write(`orders sync: stopped; ${total} snapshot(s) published\n`);
            return EXIT_CODES.interrupted;
          }
        }
      } finally {
        await sink.close();
      }
    } finally {
      await runtime.close();
    }
  },
};
