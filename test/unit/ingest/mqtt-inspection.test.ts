// Inspections from MQTT (issue 15 section 3): a quality station publishes its measure as JSON; the
// topology's subscription names the tag, and the tag's inspection rule (test, unit, limits) makes
// the same milestone a PLC tag would: inspection_passed / inspection_failed with the measure.
// A payload whose measure is no number is rejected with where, what and what was found.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { samplesOf } from '../../../src/ingest/mqtt-samples.js';
import { loadTopologyFromString } from '../../../src/topology/index.js';

const base = readFileSync('test/unit/replay/test-plant.yaml', 'utf8');
const yaml =
  base.replace(
    'tags:\n',
    'tags:\n  M1a.BORE: { machine: m1a, role: milestone, milestone: inspection, test: bore-diameter, ' +
      'unit: mm, limitLow: 11.95, limitHigh: 12.05 }\n',
  ) +
  '\ningest:\n  mqtt:\n    url: mqtt://127.0.0.1:1883\n    subscriptions:\n' +
  '      - filter: plant/+/+/measure\n        tag: "{1}.{2}"\n';
const topology = loadTopologyFromString(yaml, 'test-plant+mqtt-inspection.yaml');
const subs = topology.ingest!.mqtt!.subscriptions;
const T = Date.UTC(2026, 2, 2, 8, 0, 0);

function milestoneOf(payload: unknown) {
  const v = samplesOf(subs, 'plant/M1a/BORE/measure', Buffer.from(JSON.stringify(payload)));
  if (!v.ok) throw new Error(v.reject.detail);
  expect(v.samples).toHaveLength(1);
  return mapSample(topology.plant, v.samples[0]!);
}

describe('inspections from MQTT', () => {
  it('a measure inside the limits is inspection_passed, outside inspection_failed, with test and limits', () => {
    const passed = milestoneOf({ ts: T, value: 12.01 });
    expect(passed).toMatchObject({
      ok: true,
      event: {
        kind: 'milestone',
        milestone: 'inspection_passed',
        tag: 'M1a.BORE',
        tsMs: T,
        inspection: { test: 'bore-diameter', unit: 'mm', measure: 12.01, limitLow: 11.95, limitHigh: 12.05 },
      },
    });
    const failed = milestoneOf({ ts: T + 1_000, value: '12.07' }); // a string holding a number
    expect(failed).toMatchObject({
      ok: true,
      event: { milestone: 'inspection_failed', inspection: { measure: 12.07 } },
    });
  });

  it('a measure that is no number is rejected, naming the tag, the test and the value', () => {
    const r = milestoneOf({ ts: T, value: 'n/a' });
    expect(r).toMatchObject({ ok: false, reason: 'non-numeric-measure' });
    const detail = (r as { detail: string }).detail;
    expect(detail).toContain("'M1a.BORE'");
    expect(detail).toContain('bore-diameter');
    expect(detail).toContain('n/a');
  });
});
