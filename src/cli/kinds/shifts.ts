// Posting kind `shifts` (the default of `post`): final shift summaries -> mrp.workcenter.productivity,
// batched and idempotent (io/odoo/productivity-writer.ts), clipping live downtime records
// (io/odoo/live-downtime.ts); `reconcile` compares what Odoo holds with the last revisions.
import type { WindowSummary } from '../../core/types.js';
import { reconcileShifts } from '../../engine/reconcile.js';
import { createOdooProductivityReader } from '../../io/odoo/productivity-reader.js';
import { SHIFT_SERVICE, createShiftItemPoster } from '../../io/odoo/shift-poster.js';
import { definePostingKind, flag } from '../posting-kind.js';

export const shiftsKind = definePostingKind({
  name: 'shifts',
  summary: 'final shift summaries -> mrp.workcenter.productivity records, batched',
  help:
    "Consumes the topology's shift-summary topic (WindowSummary Avro), posts each final shift\n" +
    'summary as mrp.workcenter.productivity records (one create call per batch, idempotent through a\n' +
    "Redis ledger and a marker in each record's description; a later revision replaces the earlier\n" +
    'one) and commits offsets only past summaries Odoo confirmed.',
  inputs: (plan) => [{ topic: plan.topics.shiftSummaries, schema: 'WindowSummary', compacted: true }],
  service: SHIFT_SERVICE,
  // The group of the first release, when shifts were all `post` did: committed offsets stay valid.
  group: (plantId) => `shiftstream.${plantId}.odoo-poster`,
  flags: {
    'batch-count': flag.int('<n>', 'records per create call (count trigger)                  default 500', 500),
    'batch-period': flag.duration(
      '<dur>',
      'post a partial batch after this long                      default 5s',
      5_000,
    ),
  },
  create: (runtime, f) =>
    createShiftItemPoster({
      writer: runtime.odoo.newWriter({
        count: f['batch-count'],
        periodMs: f['batch-period'],
        ceiling: { count: Math.max(f['batch-count'], 2_000), bytes: 16 * 1024 * 1024 },
      }),
      codecs: runtime.codecs,
    }),
  reconcile: {
    help:
      'shifts: reads back the mrp.workcenter.productivity records shiftstream posted (search_read,\n' +
      'recognised by the markers in their description) and compares them, per work center and shift,\n' +
      'with the last revision of each final shift summary on the shift-summary topic (read from the\n' +
      'beginning to its current end offsets). Shifts that overlap [from, to) are compared as a whole.\n' +
      'Prints a table:\n' +
      '  missing             a record the summary needs is not in Odoo (deleted?)\n' +
      '  extra               Odoo holds a record of ours that the last revision does not contain\n' +
      '  duplicate           the same idempotency key twice\n' +
      '  altered-dates       date_start/date_end differ from what was posted\n' +
      '  altered-duration    duration differs from the dates (only with --check-duration)\n' +
      '  altered-loss / altered-work-center\n' +
      'Records without our markers (entered by people, timers, milestones) are not compared.',
    flags: {
      'check-duration': flag.boolean(
        "also compare Odoo's duration with the dates (off by default: on a\n" +
          'real Odoo, availability/quality losses on a work center with a working\n' +
          'calendar count working hours only)',
      ),
    },
    async run(ctx, f) {
      const { runtime, kafka } = ctx;
      const plan = runtime.plan;
      const targets = await runtime.odoo.targets();
      const all: WindowSummary[] = [];
      let unreadable = 0;
      await kafka.readAll({
        topic: plan.topics.shiftSummaries,
        purpose: 'reconcile',
        timeoutMs: ctx.timeoutMs,
        onRecords: async (records) => {
          await runtime.codecs.prepare(records.map((r) => r.value));
          for (const r of records) {
            if (r.value === null) continue;
            const d = runtime.codecs.summary.decode(r.value);
            if (d.ok) all.push(d.value);
            else unreadable += 1;
          }
        },
      });
      const result = await reconcileShifts({
        summaries: all,
        plantId: plan.plant.plantId,
        fromMs: ctx.fromMs,
        toMs: ctx.toMs,
        reader: createOdooProductivityReader({ client: runtime.odoo.client, mapping: plan.odoo, targets }),
        checkDuration: f['check-duration'],
      });
      return {
        differences: result.differences,
        json: result,
        summary:
          `${result.shifts} shift(s), ${result.expectedRecords} expected record(s), ` +
          `${result.odooRecords} in Odoo, ${result.differences.length} difference(s)` +
          (unreadable > 0 ? `, ${unreadable} unreadable topic record(s)` : ''),
      };
    },
  },
});
