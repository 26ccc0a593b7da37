// Posting kind `maintenance` (`post --kind maintenance`): final shift summaries -> corrective
// maintenance.request records where a topology maintenance rule fires (io/odoo/maintenance-poster.ts,
// docs/semantics.md section 12).
import { createMaintenancePoster, maintenanceLedgerOn, MAINTENANCE_SERVICE } from '../../io/odoo/maintenance-poster.js';
import { WRITE_RETRY } from '../odoo-wiring.js';
import { definePostingKind } from '../posting-kind.js';

export const maintenanceKind = definePostingKind({
  name: 'maintenance',
  summary: 'downtime rules -> corrective maintenance.request, once per rule, equipment and shift',
  help:
    "Consumes the shift-summary topic and evaluates the topology's maintenance rules on each final\n" +
    'shift summary (a stop longer than, a total over, or a count of stops of one downtime reason).\n' +
    'A rule that fires opens one corrective maintenance.request on its equipment with the facts\n' +
    '(when, reason, down time, the shift, the orders running); a cooldown per rule and equipment\n' +
    'applies. Idempotent across revisions: a correction updates the same request, and one that\n' +
    'drops below the threshold opens nothing (audited below-threshold).',
  inputs: (plan) => [{ topic: plan.topics.shiftSummaries, schema: 'WindowSummary', compacted: true }],
  service: MAINTENANCE_SERVICE,
  flags: {},
  create: (runtime) =>
    createMaintenancePoster({
      client: runtime.odoo.client,
      ledger: maintenanceLedgerOn(runtime.odoo.kv),
      plan: runtime.plan.maintenance,
      timeZone: runtime.plan.plant.timeZone,
      retry: WRITE_RETRY,
      codecs: runtime.codecs,
    }),
});
