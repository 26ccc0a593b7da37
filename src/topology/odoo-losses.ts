// Odoo loss references in a topology's `odoo.losses` mapping, and the loss reasons every Odoo
// database is seeded with (addons/mrp/data/mrp_data.xml; see /work/shared/odoo/models.json).

export type LossType = 'availability' | 'performance' | 'quality' | 'productive';

export interface SeedLoss {
  readonly xmlId: string;
  readonly name: string;
  readonly lossType: LossType;
}

/** Seeded `mrp.workcenter.productivity.loss` records. There is no `mrp.block_reason3`. */
export const SEED_LOSSES: ReadonlyMap<string, SeedLoss> = new Map(
  (
    [
      ['mrp.block_reason0', 'Material Availability', 'availability'],
      ['mrp.block_reason1', 'Equipment Failure', 'availability'],
      ['mrp.block_reason2', 'Setup and Adjustments', 'availability'],
      ['mrp.block_reason4', 'Reduced Speed', 'performance'],
      ['mrp.block_reason5', 'Process Defect', 'quality'],
      ['mrp.block_reason6', 'Reduced Yield', 'quality'],
      ['mrp.block_reason7', 'Fully Productive Time', 'productive'],
    ] as const
  ).map(([xmlId, name, lossType]) => [xmlId, { xmlId, name, lossType }] as const),
);

export type LossRef =
  | { readonly kind: 'xml-id'; readonly module: string; readonly name: string; readonly xmlId: string }
  | { readonly kind: 'name'; readonly name: string };

const XML_ID_RE = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_]+)$/;

/**
 * A loss value is an external (XML) id when it reads `<module>.<identifier>` with no spaces
 * (`mrp.block_reason7`, `plant_losses.planned_downtime`); anything else is a loss name
 * (`Planned Downtime`), matched against `mrp.workcenter.productivity.loss.name` in Odoo.
 */
export function parseLossRef(value: string): LossRef {
  const m = XML_ID_RE.exec(value);
  if (m === null) return { kind: 'name', name: value };
  return { kind: 'xml-id', module: m[1] ?? '', name: m[2] ?? '', xmlId: value };
}
