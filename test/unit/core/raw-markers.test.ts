// End-of-input watermark markers on the raw topic (docs/semantics.md section 6.1): an ordinary raw
// sample in the registered schema under a reserved tag, recognised and checked, and a tag no
// topology may use.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import {
  END_OF_INPUT,
  isWatermarkMarker,
  markerProgress,
  movesEventTime,
  WATERMARK_MARKER_TAG,
  watermarkMarker,
} from '../../../src/core/raw-markers.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import { loadTopology } from '../../../src/topology/index.js';

const topology = loadTopology('test/unit/replay/test-plant.yaml');
const plan = topology.plant;
const T = Date.UTC(2026, 2, 2, 9, 30);

describe('raw watermark markers', () => {
  it('encode as a RawSample of the shipped schema and decode back to a marker', async () => {
    const codecs = createLocalCodecs();
    const bytes = codecs.raw.encode(watermarkMarker(T));
    expect(bytes[0]).toBe(0); // Confluent wire format: magic byte, then the schema id
    await codecs.prepare([bytes]);
    const d = codecs.raw.decode(bytes);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value).toEqual({ tag: WATERMARK_MARKER_TAG, tsMs: T, value: END_OF_INPUT, quality: 'good' });
    expect(isWatermarkMarker(d.value)).toBe(true);
    expect(markerProgress(plan, d.value)).toEqual({ ok: true, tsMs: T });
  });

  it('are not samples: a stage 1 that does not know them rejects them as unknown-tag', () => {
    const v = mapSample(plan, watermarkMarker(T));
    expect(v).toMatchObject({ ok: false, reason: 'unknown-tag' });
    expect(isWatermarkMarker({ tag: 'M1a.STATE', tsMs: T, value: 1, quality: 'good' })).toBe(false);
  });

  it('with an absurd ts or a foreign value are rejected, with where, expected and found', () => {
    expect(markerProgress(plan, watermarkMarker(5))).toEqual({
      ok: false,
      reason: 'ts-out-of-range',
      detail: expect.stringContaining(
        `tag '${WATERMARK_MARKER_TAG}' (a watermark marker) ts: expected an instant between 2000-01-01`,
      ) as string,
    });
    // Live runs: also bounded by the wall clock (validation.maxFuture).
    const live = markerProgress(plan, watermarkMarker(T + 3_600_000), { nowMs: T });
    expect(live).toMatchObject({ ok: false, reason: 'ts-out-of-range' });
    expect(markerProgress(plan, watermarkMarker(T), { nowMs: T })).toEqual({ ok: true, tsMs: T });
    expect(markerProgress(plan, { ...watermarkMarker(T), value: 3 })).toEqual({
      ok: false,
      reason: 'invalid-event',
      detail: `tag '${WATERMARK_MARKER_TAG}' (a watermark marker): value: expected 'end-of-input', found 3`,
    });
  });

  it('carry the ts of samples that move event time: milestones do not, inspections and states do', () => {
    const state = mapSample(plan, { tag: 'M1a.STATE', tsMs: T, value: 1, quality: 'good' });
    const down = mapSample(plan, { tag: 'M1a.DOWN', tsMs: T, value: 1, quality: 'good' });
    if (!state.ok || !down.ok) throw new Error('fixture tags must map');
    expect(movesEventTime(state.event)).toBe(true);
    expect(movesEventTime(down.event)).toBe(false);
    expect(movesEventTime({ ...down.event, milestone: 'inspection_passed' })).toBe(true);
  });

  it('use a tag prefix no topology may use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reserved-tag-'));
    const file = join(dir, 'plant.yaml');
    const text = `version: 1
plant: { id: p1, name: P1, timeZone: UTC }
workCenters:
  wc1: { odooCode: WC1, stateMachine: m1 }
machines:
  m1: { workCenter: wc1 }
tags:
  $shiftstream.watermark: { machine: m1, role: heartbeat }
  M1.STATE: { machine: m1, role: state, values: { "1": running } }
windows:
  - { kind: tumbling, size: 15m }
`;
    writeFileSync(file, text);
    expect(() => loadTopology(file)).toThrow(
      /\$shiftstream\.watermark.*not starting with '\$shiftstream\.' \(reserved\)/s,
    );
  });
});
