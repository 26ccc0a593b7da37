// Rules about the `maintenance` section (docs/semantics.md section 12): what each rule names must
// exist in the topology, and rule names are unique (they are part of the request's key).
import { didYouMean } from '../schema-check.js';
import { planMapping, UNSPECIFIED_REASON } from '../model.js';
import { pointer } from '../source.js';
import { quoteList, type LintRule } from './rule.js';

export const maintenanceRules: LintRule = {
  name: 'maintenance-rules',
  severity: 'error',
  summary:
    'Each maintenance rule has a unique name and names a declared work center, as does each key of ' +
    "`maintenance.equipment`; a rule's reason is one the work center's machines can report (a warning otherwise).",
  check({ doc, report }) {
    const rules = doc.maintenance?.rules ?? [];
    const wcs = Object.keys(doc.workCenters);
    for (const wc of Object.keys(doc.maintenance?.equipment ?? {}))
      if (doc.workCenters[wc] === undefined)
        report(
          pointer('maintenance', 'equipment', wc),
          `maintenance.equipment names work center '${wc}': expected one of ${quoteList(wcs)}, ` +
            `found '${wc}'${didYouMean(wc, wcs)}`,
          { preferKey: true },
        );
    const seen = new Set<string>();
    rules.forEach((r, i) => {
      if (seen.has(r.name))
        report(
          pointer('maintenance', 'rules', String(i), 'name'),
          `maintenance rule name '${r.name}' is used twice: expected a unique name (it is part of the request key)`,
        );
      seen.add(r.name);
      if (doc.workCenters[r.workCenter] === undefined) {
        report(
          pointer('maintenance', 'rules', String(i), 'workCenter'),
          `maintenance rule '${r.name}' names work center '${r.workCenter}': expected one of ` +
            `${quoteList(wcs)}, found '${r.workCenter}'${didYouMean(r.workCenter, wcs)}`,
        );
        return;
      }
      const machines = new Set(
        Object.entries(doc.machines)
          .filter(([, m]) => m.workCenter === r.workCenter)
          .map(([id]) => id),
      );
      const reasons = new Set<string>();
      let open = false; // a reason tag that passes unknown raw values through: any reason may come
      for (const t of Object.values(doc.tags)) {
        if (!machines.has(t.machine)) continue;
        if (t.role === 'state') {
          for (const v of Object.values(t.values)) {
            const m = planMapping(v);
            if (m.category === 'down') reasons.add(m.reason ?? UNSPECIFIED_REASON);
          }
        } else if (t.role === 'reason') {
          if (t.strict !== true) open = true;
          for (const v of Object.values(t.values ?? {})) if (v !== null) reasons.add(v);
        }
      }
      if (!open && !reasons.has(r.reason)) {
        const known = [...reasons].sort();
        report(
          pointer('maintenance', 'rules', String(i), 'reason'),
          `maintenance rule '${r.name}' watches reason '${r.reason}', which work center '${r.workCenter}' ` +
            `never reports: expected one of ${quoteList(known)}, found '${r.reason}'${didYouMean(r.reason, known)}`,
          { severity: 'warning' },
        );
      }
    });
  },
};
