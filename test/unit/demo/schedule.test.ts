// When the demo starts and ends (src/demo/schedule.ts): 10 simulated minutes before the first shift
// of the start day, so that shift is whole; holidays, overrides and clock changes come from the
// plant's calendar.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultDemoFrom, localMidnightMs, planDemo, WARM_UP_MS } from '../../../src/demo/schedule.js';
import { loadTopology } from '../../../src/topology/index.js';

const berlin = loadTopology(fileURLToPath(new URL('../../../topologies/stamping-berlin.yaml', import.meta.url)));
const iso = (ms: number): string => new Date(ms).toISOString();

describe('demo schedule', () => {
  it('starts 10 minutes before the first shift of the day, in the plant zone', () => {
    // Wednesday 2026-03-25: the early shift at 06:00 CET.
    const from = localMidnightMs(berlin, '2026-03-25')!;
    expect(iso(from)).toBe('2026-03-24T23:00:00.000Z');
    const s = planDemo(berlin, from);
    expect(s.firstShift.shiftId).toBe('2026-03-25/early');
    expect(iso(s.firstShift.startMs)).toBe('2026-03-25T05:00:00.000Z');
    expect(s.startMs).toBe(s.firstShift.startMs - WARM_UP_MS);
    expect(WARM_UP_MS).toBe(600_000);
    expect(s.lastShift).toBeUndefined();
  });

  it('follows the calendar: a Saturday override, the spring-forward night, n shifts', () => {
    // Saturday 2026-03-28 has a catch-up night shift (override) across the clock change: 7 hours.
    const s = planDemo(berlin, localMidnightMs(berlin, '2026-03-28')!, 3);
    expect(s.firstShift.shiftId).toBe('2026-03-28/night');
    expect(s.firstShift.endMs - s.firstShift.startMs).toBe(7 * 3_600_000);
    expect(iso(s.startMs)).toBe('2026-03-28T20:50:00.000Z');
    // Then Sunday's night shift (22:00 CEST) and Monday's early shift.
    expect(s.lastShift?.shiftId).toBe('2026-03-30/early');
  });

  it('skips a holiday to the next shift, and an instant starts at the next shift after it', () => {
    // Friday 2026-05-01 is a holiday and the weekend has no shift: Sunday night is next.
    expect(planDemo(berlin, localMidnightMs(berlin, '2026-05-01')!).firstShift.shiftId).toBe('2026-05-03/night');
    expect(planDemo(berlin, Date.parse('2026-03-25T06:30:00+01:00')).firstShift.shiftId).toBe('2026-03-25/late');
  });

  it('defaults to the local midnight 7 days back, and refuses --shifts without shift windows', () => {
    const now = Date.parse('2026-04-08T12:34:00Z');
    expect(iso(defaultDemoFrom(berlin, now))).toBe('2026-03-31T22:00:00.000Z');
    const noShifts = {
      ...berlin,
      plant: { ...berlin.plant, windows: berlin.plant.windows.filter((w) => w.kind !== 'shift') },
    };
    expect(() => planDemo(noShifts, now, 1)).toThrow(
      'demo --shifts: expected the topology of stamping-berlin to compute shift windows',
    );
    expect(localMidnightMs(berlin, '2026-02-30')).toBeUndefined();
  });
});
