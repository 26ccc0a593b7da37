// `shiftstream reconcile`: compare what Odoo holds with the shift summaries in Kafka.
import { randomBytes } from 'node:crypto';
import type { WindowSummary } from '../../core/types.js';
import { UsageError } from '../../errors.js';
import { PRODUCTIVITY_MODEL, SHIFT_MARKER_PREFIX, odooDatetime } from '../../io/odoo/productivity-records.js';
import { durationFlag, startCommand, timeFlag } from '../service-command.js';
import {
  RECONCILE_FIELDS,
  formatDifferences,
  latestShiftSummaries,
  reconcile,
  type OdooProductivityRow,
} from '../../engine/reconcile.js';
import { readToEnd } from '../../engine/topic-reader.js';
import { createKafkaParts, createOdooRuntime } from '../odoo-wiring.js';
import { EXIT_CODES, type CommandDef } from '../command.js';

const HELP =
  `Usage: shiftstream reconcile --topology <file> --from <time> --to <time> [options] [config flags]

Reads back the mrp.workcenter.productivity records shiftstream posted (search_read, recognised by
the markers in their description) and compares them, per work center and shift, with the last
revision of each final shift summary on the shift-summary topic (read from the beginning to its
current end offsets). Shifts that overlap [from, to) are compared as a whole. Prints a table:
  missing             a record the summary needs is not in Odoo (deleted?)
  extra               Odoo holds a record of ours that the last revision does not contain
  duplicate           the same idempotency key twice
  altered-dates       date_start/date_end differ from what was posted
  altered-duration    duration differs from the dates (only with --check-duration)
  altered-loss / altered-work-center
Records without our markers (entered by people, timers, milestones) are not compared.

Options:
  --topology <file>    the plant's topology                                           required
  --from <time>        ISO 8601 (2026-03-02, 2026-03-02T06:00:00Z) or epoch ms          required
  --to <time>          exclusive end, same forms                                         required
  --check-duration     also compare Odoo's duration with the dates (off by default: on a
                       real Odoo, availability/quality losses on a work center with a working
                       calendar count working hours only)
  --json               print the differences as JSON instead of a table
  --timeout <dur>      deadline for reading the topic to its end                   default 2m

Examples:
  shiftstream reconcile --topology topologies/stamping-berlin.yaml --from 2026-03-02 --to 2026-03-09
  shiftstream reconcile --topology topologies/packaging-chicago.yaml ` +
  `--from 2026-03-07T12:00:00Z --to 2026-03-08T12:00:00Z --check-duration

Exit codes: 0 no difference, 1 differences found, 2 bad flags, 3 configuration, 4 a server failed.
`;

export const reconcileCommand: CommandDef = {
  name: 'reconcile',
  summary: 'Compare the productivity records in Odoo with the shift summaries in Kafka; exit 1 on differences',
  help: HELP,
  async run(ctx) {
    const { config, plan, values, logger } = startCommand('reconcile', ctx.argv, ctx.env, ctx.cwd, {
      from: { type: 'string' },
      to: { type: 'string' },
      'check-duration': { type: 'boolean' },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
    });
    const fromMs = timeFlag('reconcile', 'from', values['from']);
    const toMs = timeFlag('reconcile', 'to', values['to']);
    if (toMs <= fromMs)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `reconcile: --to (${new Date(toMs).toISOString()}) must be after --from (${new Date(fromMs).toISOString()})`,
      );
    const timeoutMs = durationFlag('reconcile', 'timeout', values['timeout'], 120_000);
    const runtime = createOdooRuntime(config, plan, 'reconcile');
    try {
      const targets = await runtime.targets();
      const kafka = await createKafkaParts(config, plan, logger);
      const topic = plan.topics.shiftSummaries;
      const ends = await kafka.endOffsets(topic);
      const all: WindowSummary[] = [];
      let unreadable = 0;
      const groupId = `shiftstream.${plan.plant.plantId}.reconcile-${randomBytes(4).toString('hex')}`;
      await readToEnd({
        source: kafka.source({ groupId, topics: [topic] }),
        topic,
        ends,
        timeoutMs,
        onRecords: async (records) => {
          await kafka.codecs.prepare(records.map((r) => r.value));
          for (const r of records) {
            if (r.value === null) continue;
            const d = kafka.codecs.summary.decode(r.value);
            if (d.ok) all.push(d.value);
            else unreadable += 1;
          }
        },
      });
      await kafka.deleteGroup(groupId).catch(() => undefined);
      const summaries = latestShiftSummaries(all).filter(
        (s) => s.plantId === plan.plant.plantId && s.startMs < toMs && s.endMs > fromMs,
      );
      // Whole shifts: widen the Odoo query to the shifts' bounds.
      const qFrom = Math.min(fromMs, ...summaries.map((s) => s.startMs));
      const qTo = Math.max(toMs, ...summaries.map((s) => s.endMs));
      const wcIds = [...targets.workCenters.values()].map((w) => w.odooId);
      const domain = [
        ['description', 'ilike', SHIFT_MARKER_PREFIX],
        ['workcenter_id', 'in', wcIds],
        ['date_start', '>=', odooDatetime(qFrom)],
        ['date_start', '<', odooDatetime(qTo)],
      ];
      const rows: OdooProductivityRow[] = [];
      const page = 2_000;
      for (let offset = 0; ; offset += page) {
        const got = await runtime.client.searchRead<OdooProductivityRow>(PRODUCTIVITY_MODEL, domain, RECONCILE_FIELDS, {
          offset,
          limit: page,
          order: 'id asc',
        });
        rows.push(...got);
        if (got.length < page) break;
      }
      const result = reconcile(summaries, rows, plan.odoo, targets, {
        checkDuration: values['check-duration'] === true,
      });
      if (values['json'] === true) ctx.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        if (result.differences.length > 0) ctx.stdout.write(`${formatDifferences(result.differences)}\n`);
        ctx.stdout.write(
          `reconcile ${plan.plant.plantId} ${new Date(fromMs).toISOString()} .. ` +
            `${new Date(toMs).toISOString()}: ${result.shifts} shift(s), ${result.expectedRecords} ` +
            `expected record(s), ${result.odooRecords} in Odoo, ${result.differences.length} ` +
            `difference(s)${unreadable > 0 ? `, ${unreadable} unreadable topic record(s)` : ''}\n`,
        );
      }
      return result.differences.length > 0 ? EXIT_CODES.checkFailed : EXIT_CODES.ok;
    } finally {
      await runtime.close();
    }
  },
};
