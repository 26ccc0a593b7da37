// PlannedMaintenanceReader (ports/planned-maintenance.ts) on Odoo's maintenance.request
// (docs/semantics.md section 12, docs/odoo.md "Planned maintenance"): preventive requests with a
// schedule_date, not archived, of the equipment the topology lists per work center
// (`maintenance.equipment`, matched by serial_no, else name). Their end is schedule_end on 19 and
// schedule_date + duration (hours) on 17 and 18, where schedule_end does not exist. With
// Enterprise mrp_maintenance, requests filed for the work center itself (maintenance_for
// 'workcenter', workcenter_id) count too.
import type { PlannedStop } from '../../core/planned-maintenance.js';
import type { PlannedMaintenanceReader } from '../../ports/planned-maintenance.js';
import type { OdooClient } from './client.js';
import { odooDatetime, parseOdooDatetime } from './productivity-records.js';
import { fieldNamesOf, m2oId } from './values.js';

const HOUR = 3_600_000;

export interface PlannedReaderOptions {
  readonly client: OdooClient;
  /** Topology work center -> equipment codes (serial_no or name). */
  readonly equipment: ReadonlyMap<string, readonly string[]>;
  /** Odoo mrp.workcenter id -> topology work center (for Enterprise work-center requests). */
  readonly workCenters: () => Promise<ReadonlyMap<number, string>>;
}

export function createOdooPlannedMaintenanceReader(o: PlannedReaderOptions): PlannedMaintenanceReader {
  const { client } = o;
  const fieldsOf = fieldNamesOf(client, 'maintenance.request');

  /** Equipment id -> topology work center, from the codes (looked up on every poll: renames happen). */
  async function equipmentIds(): Promise<Map<number, string>> {
    const byCode = new Map<string, string>();
    for (const [wc, codes] of o.equipment) for (const c of codes) byCode.set(c, wc);
    const out = new Map<number, string>();
    if (byCode.size === 0) return out;
    const codes = [...byCode.keys()];
    const rows = await client.searchRead<{ id: number; serial_no: unknown; name: unknown }>(
      'maintenance.equipment',
      ['|', ['serial_no', 'in', codes], ['name', 'in', codes]],
      ['id', 'serial_no', 'name'],
    );
    for (const r of rows) {
      const wc =
        (typeof r.serial_no === 'string' ? byCode.get(r.serial_no) : undefined) ??
        (typeof r.name === 'string' ? byCode.get(r.name) : undefined);
      if (wc !== undefined) out.set(r.id, wc);
    }
    return out;
  }

  return {
    async scheduled(fromMs) {
      const f = await fieldsOf();
      const hasEnd = f.has('schedule_end');
      const forWorkCenter = f.has('workcenter_id') && f.has('maintenance_for');
      const equipment = await equipmentIds();
      const wcs = forWorkCenter ? await o.workCenters() : new Map<number, string>();
      if (equipment.size === 0 && wcs.size === 0) return new Map();
      // A request may start before fromMs and still end after it: read those that started up to a
      // day before (longer preventive requests are rare; their remainder is then not counted).
      const since = odooDatetime(fromMs - 24 * HOUR);
      const who: unknown[] =
        equipment.size > 0 && wcs.size > 0
          ? ['|', ['equipment_id', 'in', [...equipment.keys()]], ['workcenter_id', 'in', [...wcs.keys()]]]
          : equipment.size > 0
            ? [['equipment_id', 'in', [...equipment.keys()]]]
            : [['workcenter_id', 'in', [...wcs.keys()]]];
      const rows = await client.searchRead<Record<string, unknown> & { id: number }>(
        'maintenance.request',
        [
          ['maintenance_type', '=', 'preventive'],
          ['schedule_date', '!=', false],
          ['schedule_date', '>=', since],
          ['archive', '=', false],
          ...who,
        ],
        [
          'id',
          'name',
          'schedule_date',
          hasEnd ? 'schedule_end' : 'duration',
          'equipment_id',
          ...(forWorkCenter ? ['workcenter_id', 'maintenance_for'] : []),
        ],
      );
      const out = new Map<string, PlannedStop[]>();
      for (const r of rows) {
        if (typeof r['schedule_date'] !== 'string') continue;
        const startMs = parseOdooDatetime(r['schedule_date']);
        const endMs = hasEnd
          ? typeof r['schedule_end'] === 'string'
            ? parseOdooDatetime(r['schedule_end'])
            : startMs + HOUR // 19's default when the end is empty
          : startMs + Math.round(Number(r['duration'] ?? 0) * HOUR);
        if (!(endMs > startMs) || endMs <= fromMs) continue;
        const eq = m2oId(r['equipment_id']);
        const wc =
          (eq === null ? undefined : equipment.get(eq)) ??
          (forWorkCenter && r['maintenance_for'] === 'workcenter'
            ? wcs.get(m2oId(r['workcenter_id']) ?? -1)
            : undefined);
        if (wc === undefined) continue;
        const list = out.get(wc) ?? [];
        list.push({ requestId: r.id, name: typeof r['name'] === 'string' ? r['name'] : '', startMs, endMs });
        out.set(wc, list);
      }
      for (const l of out.values()) l.sort((a, b) => a.startMs - b.startMs || a.requestId - b.requestId);
      return out;
    },
  };
}
