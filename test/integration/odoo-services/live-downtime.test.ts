// Shift records are authoritative over live downtime records, end to end: `post --milestones` and
// `post` (compiled CLI in child processes, real Kafka and Redis, the Odoo stand-in) run side by
// side, on both protocols. Three work centers of one plant:
//   wc-1  milestones of a down period inside the shift and of one spanning its end, then the shift;
//   wc-2  the shift first, then the same milestones (late);
//   wc-3  kill -9 of the shift poster between the unlink of the inside record and the move of the
//         open one (every write fails meanwhile), then a restart.
// Each ends with Odoo's downtime of the work center inside the shift (live records + shift records,
// by date overlap) equal to the shift summary's downtime, and no live record overlapping the shift.
import { describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import type { WindowSummary } from '../../../src/core/types.js';
import { PRODUCTIVITY_MODEL, parseMarkers, parseOdooDatetime } from '../../../src/io/odoo/productivity-records.js';
import { DOWN_MARKER } from '../../../src/io/odoo/live-downtime.js';
import { startOdooStandin, type OdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { makeSummary } from '../../unit/io/odoo/summary-fixtures.js';
import { eventually } from '../support/env.js';
import { PROTOCOL_CASES, cleanRedis, newPlant, odooEnv, runCli, suiteContext } from './support.js';

const CASES = PROTOCOL_CASES;
const suite = suiteContext();

const H = 3_600_000;
const S = Date.UTC(2026, 2, 2, 6, 0, 0); // shift s1 of the test topology: 06:00-14:00 UTC
const E = S + 8 * H;

type Row = Record<string, unknown>;
const startOf = (r: Row): number => parseOdooDatetime(String(r['date_start']));
const endOf = (r: Row): number => (typeof r['date_end'] === 'string' ? parseOdooDatetime(r['date_end']) : Infinity);

function wcRows(standin: OdooStandin, code: string): Row[] {
  const id = standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'];
  return standin.records(PRODUCTIVITY_MODEL).filter((r) => r['workcenter_id'] === id);
}
const liveOf = (standin: OdooStandin, code: string): Row[] =>
  wcRows(standin, code).filter((r) => String(r['description']).startsWith(DOWN_MARKER));

/**
 * Downtime Odoo holds for a work center inside [S, E): live records + shift records of a `down/...` loss, by date
 * overlap.
 */
function downtimeOf(standin: OdooStandin, code: string): number {
  let total = 0;
  for (const r of wcRows(standin, code)) {
    const d = String(r['description']);
    if (!d.startsWith(DOWN_MARKER) && !(parseMarkers(d) !== null && (d.split(' ')[4] ?? '').startsWith('down')))
      continue;
    total += Math.max(0, Math.min(endOf(r), E) - Math.max(startOf(r), S));
  }
  return total;
}

/** Problems of one work center (empty = exact): downtime inside the shift, live overlap, shift records. */
function problems(standin: OdooStandin, code: string, shift: WindowSummary): string[] {
  const out: string[] = [];
  const downtime = downtimeOf(standin, code);
  if (downtime !== shift.downtimeMs)
    out.push(`${code}: downtime in the shift ${downtime} ms, expected ${shift.downtimeMs} ms`);
  for (const r of liveOf(standin, code))
    if (startOf(r) < E && endOf(r) > S)
      out.push(
        `${code}: live record ${String(r['id'])} [${String(r['date_start'])}, ` +
          `${String(r['date_end'])}) overlaps the shift`,
      );
  const shiftRecords = wcRows(standin, code).filter((r) => parseMarkers(r['description']) !== null).length;
  if (shiftRecords !== shift.intervals.length)
    out.push(`${code}: ${shiftRecords} shift records, expected ${shift.intervals.length}`);
  return out;
}

describe.each(CASES)('live downtime vs posted shifts over Kafka: $name', ({ version }) => {
  it(
    'milestones before or after the shift, a down across its end, ' +
      'kill -9 between unlink and move: exact downtime, no overlap',
    async () => {
      const plant = await newPlant(3);
      const standin = await startOdooStandin({
        version,
        workCenters: [{ code: 'WC-01' }, { code: 'WC-02' }, { code: 'WC-03' }],
      });
      const env = odooEnv(standin, standin.url, plant);
      const shiftArgs = [
        'post',
        '--topology',
        plant.topologyFile,
        '--batch-count',
        '50',
        '--batch-period',
        '200ms',
        '--flush-interval',
        '100ms',
        '--recovery-max',
        '1s',
      ];
      const shiftGroup = `shiftstream.${plant.plantId}.odoo-poster`;
      const milestoneGroup = `shiftstream.${plant.plantId}.odoo-poster-milestones`;
      const shift = (wc: string): WindowSummary => ({
        ...makeSummary({
          workCenterId: wc,
          windowId: '2026-03-02/s1',
          startMs: S,
          pieces: [
            ['running', 2 * H],
            ['down', H, 'material'],
            ['running', 4.5 * H],
            ['down', 0.5 * H],
          ],
        }),
        plantId: plant.plantId,
      });
      const m = (
        wc: string,
        kind: MilestoneRecord['kind'],
        tsMs: number,
        reason: string | null = null,
      ): MilestoneRecord => ({
        plantId: plant.plantId,
        machineId: `m${wc.slice(3)}`,
        workCenterId: wc,
        kind,
        tsMs,
        tag: null,
        reason,
        orderRef: null,
        quantity: null,
      });
      // The live view is provisional: its times differ slightly from the shift's exact intervals.
      const downs = (wc: string): MilestoneRecord[] => [
        m(wc, 'machine_down', S + 2 * H + 250, 'material'),
        m(wc, 'machine_up', S + 3 * H + 250),
        m(wc, 'machine_down', S + 7.5 * H + 400, 'unspecified'),
      ];
      const lateUp = (wc: string): MilestoneRecord => m(wc, 'machine_up', E + 20 * 60_000 + 100);
      const committed = (what: string, group: string, topic: string): Promise<true> =>
        eventually(what, 90_000, async () => ((await suite.kafka.fullyCommitted(group, topic)) ? true : undefined));
      await suite.kafka.createTopics(
        [plant.topics.summaries, plant.topics.milestones, plant.topics.dlq, plant.topics.audit],
        1,
      );
      const milestonesPoster = runCli(suite.driver, ['post', '--topology', plant.topologyFile, '--milestones'], env);
      let shiftPoster = runCli(suite.driver, shiftArgs, env);
      try {
        // wc-1 and wc-3: live records first (one closed inside the shift, one open since inside it).
        await suite.kafka.produceMilestones(plant.topics.milestones, [...downs('wc-1'), ...downs('wc-3')]);
        await committed('milestones of wc-1 and wc-3', milestoneGroup, plant.topics.milestones);
        expect(liveOf(standin, 'WC-01')).toHaveLength(2);
        // the live view alone; with the shift's records it would count twice
        expect(downtimeOf(standin, 'WC-01')).toBe(1.5 * H);

        // The shifts of wc-1 and wc-2: wc-1's live records inside go, the open one moves to the shift end.
        await suite.kafka.produceSummaries(plant.topics.summaries, [shift('wc-1'), shift('wc-2')]);
        await committed('shifts of wc-1 and wc-2', shiftGroup, plant.topics.summaries);
        expect(problems(standin, 'WC-01', shift('wc-1'))).toEqual([]);
        expect(liveOf(standin, 'WC-01')).toEqual([expect.objectContaining({ date_start: '2026-03-02 14:00:00' })]);
        expect(liveOf(standin, 'WC-01')[0]!['date_end'] ?? false).toBe(false);

        // Late milestones for wc-2 (its shift is already posted) and wc-1's up after the shift end.
        await suite.kafka.produceMilestones(plant.topics.milestones, [
          ...downs('wc-2'),
          lateUp('wc-2'),
          lateUp('wc-1'),
        ]);
        await committed('late milestones', milestoneGroup, plant.topics.milestones);
        for (const [code, wc] of [
          ['WC-01', 'wc-1'],
          ['WC-02', 'wc-2'],
        ] as const) {
          expect(problems(standin, code, shift(wc))).toEqual([]);
          expect(liveOf(standin, code)).toEqual([
            expect.objectContaining({ date_start: '2026-03-02 14:00:00', date_end: '2026-03-02 14:20:00' }),
          ]);
        }

        // wc-3: every write fails; the poster unlinks the inside record, cannot move the open one, and dies.
        const [inside, open] = liveOf(standin, 'WC-03').sort((a, b) => startOf(a) - startOf(b));
        standin.faults.inject({
          kind: 'http5xx',
          model: PRODUCTIVITY_MODEL,
          method: 'write',
          times: Number.POSITIVE_INFINITY,
        });
        await suite.kafka.produceSummaries(plant.topics.summaries, [shift('wc-3')]);
        await eventually('unlinked, move failing', 90_000, () =>
          liveOf(standin, 'WC-03').length === 1 && (standin.faults.fired['http5xx'] ?? 0) >= 2 ? true : undefined,
        );
        shiftPoster.child.kill('SIGKILL');
        await shiftPoster.exit;
        expect(liveOf(standin, 'WC-03')).toEqual([
          expect.objectContaining({ id: open!['id'], date_start: '2026-03-02 13:30:00' }),
        ]);
        expect(liveOf(standin, 'WC-03').some((r) => r['id'] === inside!['id'])).toBe(false);
        expect(await suite.kafka.fullyCommitted(shiftGroup, plant.topics.summaries)).toBe(false);
        // Restart with Odoo healthy: the re-delivered shift is already posted; the clip finishes the move.
        standin.faults.clear();
        shiftPoster = runCli(suite.driver, shiftArgs, env);
        await committed('shift of wc-3 after the restart', shiftGroup, plant.topics.summaries);
        expect(problems(standin, 'WC-03', shift('wc-3'))).toEqual([]);
        expect(liveOf(standin, 'WC-03')).toEqual([
          expect.objectContaining({ id: open!['id'], date_start: '2026-03-02 14:00:00' }),
        ]);
        for (const [code, wc] of [
          ['WC-01', 'wc-1'],
          ['WC-02', 'wc-2'],
        ] as const)
          expect(problems(standin, code, shift(wc))).toEqual([]);

        shiftPoster.child.kill('SIGINT');
        milestonesPoster.child.kill('SIGINT');
        expect(await shiftPoster.exit, shiftPoster.stderr()).toBe(130);
        expect(await milestonesPoster.exit, milestonesPoster.stderr()).toBe(130);
      } finally {
        for (const p of [shiftPoster, milestonesPoster])
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        await standin.stop();
        await cleanRedis(plant);
      }
    },
    300_000,
  );
});
