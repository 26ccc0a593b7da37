// What Odoo must hold after `post` of a set of shift summaries, and how it differs from what it
// holds: the productivity rows the poster's own mapping gives for the last revision of each shift
// (against the stand-in's master data), and the differences from the stand-in's marked rows
// (duplicates, unexpected, altered fields, missing). Shared by the posting and backfill tests.
import type { WindowSummary } from '../../../src/core/types.js';
import { createOdooClient } from '../../../src/io/odoo/client.js';
import { createMasterData, masterDataRequestOf } from '../../../src/io/odoo/master-data.js';
import {
  PRODUCTIVITY_MODEL,
  parseMarkers,
  summaryToRecords,
  type ProductivityRecord,
} from '../../../src/io/odoo/productivity-records.js';
import type { OdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import type { TopologyPlan } from '../../../src/topology/types.js';

/** Odoo's productivity rows for the last revision of each shift in `summaries`, by key. */
export async function expectedProductivityRows(
  odoo: OdooStandin,
  plan: TopologyPlan,
  summaries: readonly WindowSummary[],
): Promise<Map<string, ProductivityRecord>> {
  const client = createOdooClient({
    url: odoo.url,
    db: odoo.db,
    login: odoo.login,
    apiKey: odoo.apiKey,
    protocol: 'auto',
    timeoutMs: 5_000,
  });
  const md = createMasterData({ client, refreshMs: 60_000, nowMs: Date.now });
  const targets = await md.resolve(masterDataRequestOf([...plan.plant.workCenters.values()], plan.odoo.losses));
  client.close();
  const last = new Map<string, WindowSummary>();
  for (const s of summaries) {
    const key = `${s.workCenterId} ${s.windowId}`;
    if ((last.get(key)?.revision ?? 0) <= s.revision) last.set(key, s);
  }
  const out = new Map<string, ProductivityRecord>();
  for (const s of last.values()) for (const r of summaryToRecords(s, plan.odoo, targets).records) out.set(r.key, r);
  return out;
}

/** Differences between Odoo's marked productivity rows and `expected` (empty: exact). */
export function productivityRowDiff(odoo: OdooStandin, expected: ReadonlyMap<string, ProductivityRecord>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of odoo.records(PRODUCTIVITY_MODEL)) {
    const m = parseMarkers(row['description']);
    if (m === null) continue;
    if (seen.has(m.key)) problems.push(`duplicate ${m.key}`);
    seen.add(m.key);
    const e = expected.get(m.key);
    if (e === undefined) {
      problems.push(`unexpected ${m.key} r${m.revision}`);
      continue;
    }
    for (const [f, v] of Object.entries(e.vals))
      if (row[f] !== v) problems.push(`${m.key}.${f}: expected ${JSON.stringify(v)}, found ${JSON.stringify(row[f])}`);
  }
  for (const [key, r] of expected)
    if (!seen.has(key)) problems.push(`missing ${key} (${r.lossKey} ${r.vals.date_start})`);
  return problems;
}
