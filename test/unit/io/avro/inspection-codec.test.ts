// The pipeline codecs carry a milestone's and a canonical event's inspection (null default: absent).
import { describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../../src/core/milestones.js';
import { machineEvent } from '../../../../src/core/types.js';
import { createLocalCodecs } from '../../../../src/io/avro/codecs.js';

const codecs = createLocalCodecs();
const inspection = { test: 'bore', measure: 12.1, unit: 'mm', limitLow: 11.95, limitHigh: 12.05, lot: 'LOT-7' };
const m: MilestoneRecord = {
  plantId: 'p',
  machineId: 'm',
  workCenterId: 'w',
  kind: 'inspection_failed',
  tsMs: 1_700_000_000_000,
  tag: 'QC',
  reason: null,
  orderRef: 'WH/MO/00001',
  quantity: null,
};

async function roundTrip<T>(codec: { encode(v: T): Buffer; decode(b: Buffer): unknown }, v: T): Promise<unknown> {
  const bytes = codec.encode(v);
  await codecs.prepare([bytes]);
  return codec.decode(bytes);
}

describe('Avro codecs: inspections', () => {
  it('a milestone keeps its inspection; one without has no inspection key', async () => {
    expect(await roundTrip(codecs.milestone, { ...m, inspection })).toEqual({
      ok: true,
      value: { ...m, inspection },
    });
    const plain = (await roundTrip(codecs.milestone, { ...m, kind: 'quality_release' })) as { value: object };
    expect(plain.value).toStrictEqual({ ...m, kind: 'quality_release' });
  });

  it('a canonical event keeps its inspection', async () => {
    const e = machineEvent(
      { plantId: 'p', machineId: 'm', workCenterId: 'w', tag: 'QC', tsMs: 5, kind: 'milestone', value: 12.1 },
      { milestone: 'inspection_passed', inspection: { ...inspection, measure: 12 } },
    );
    expect(await roundTrip(codecs.event, e)).toEqual({ ok: true, value: e });
  });
});
