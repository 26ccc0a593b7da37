// `shiftstream post --kind maintenance` end to end: the compiled CLI in a child process, real Kafka
// (Avro through the registry) and Redis, the Odoo stand-in (17 and 19):
// - a week of shifts for 3 work centers with die jams: Odoo holds exactly one request per rule,
//   equipment and shift that fires (cooldown applied), revision 2 rewrites the facts of the same
//   request, a revision below the threshold opens nothing and is audited below-threshold;
// - kill -9 of the poster while a create is held in the stand-in (it commits after the poster
//   died), then a restart: no request missing, none doubled; an unknown equipment goes to the DLQ.
import { appendFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { evaluateMaintenanceRules } from '../../../src/core/maintenance-rules.js';
import type { WindowSummary } from '../../../src/core/types.js';
import { MAINTENANCE_MODEL, REQUEST_MARKER, requestKey } from '../../../src/io/odoo/maintenance-poster.js';
import type { AuditRecord, DeadLetter } from '../../../src/ports/dead-letters.js';
import { startOdooStandin, type OdooStandin, type StandinVersion } from '../../../src/testkit/odoo-standin/index.js';
import { loadTopology } from '../../../src/topology/index.js';
import type { TopologyPlan } from '../../../src/topology/types.js';
import { makeSummary, type Piece } from '../../unit/io/odoo/summary-fixtures.js';
import { eventually } from '../support/env.js';
import {
  PROTOCOL_CASES,
  cleanRedis,
  newPlant,
  odooEnv,
  runCli,
  suiteContext,
  type CliRun,
  type Plant,
} from './support.js';

const suite = suiteContext();
// Children still running when a test fails are killed in its finally.
const children: CliRun[] = [];
const track = (c: CliRun): CliRun => {
  children.push(c);
  return c;
};
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 2, 2, 6);

const RULES = [
  'maintenance:',
  '  cooldown: 4h',
  '  rules:',
  ...[1, 2, 3].map(
    (w) => `    - { name: jam-w${w}, workCenter: wc-${w}, reason: material, longerThan: 10m, equipment: EQ-${w} }`,
  ),
  '    - { name: repeats, workCenter: wc-1, reason: material, count: 2, equipment: EQ-1, team: Internal Maintenance }',
  '',
].join('\n');

async function maintenancePlant(): Promise<{ plant: Plant; plan: TopologyPlan }> {
  const plant = await newPlant(3);
  await appendFile(plant.topologyFile, RULES);
  return { plant, plan: loadTopology(plant.topologyFile) };
}

/** Shift `s` (0..2, 8 h each) of day `d` for wc-`w`: material stops from a seeded pattern. */
function shift(plantId: string, w: number, d: number, s: number, revision = 1, scale = 1): WindowSummary {
  const seed = w * 7 + d * 3 + s;
  const stops = [(seed % 5) * 4 * scale, ((seed * 3) % 4) * 3 * scale]; // minutes; 0 = no stop
  const pieces: Piece[] = [];
  let used = 0;
  for (const m of stops) {
    pieces.push(['running', 50 * MIN]);
    used += 50 * MIN;
    if (m > 0) {
      pieces.push(['down', m * MIN, 'material']);
      used += m * MIN;
    }
  }
  pieces.push(['running', 8 * HOUR - used]);
  const start = T0 + d * 24 * HOUR + s * 8 * HOUR;
  return {
    ...makeSummary({
      plantId,
      workCenterId: `wc-${w}`,
      windowId: `2026-03-${String(2 + d).padStart(2, '0')}/s${s}`,
      startMs: start,
      pieces,
      revision,
    }),
  };
}

/** What Odoo must hold: the first request per key, cooldowns applied in posting order. */
function expectedKeys(plan: TopologyPlan, summaries: readonly WindowSummary[]): Set<string> {
  const last = new Map<string, WindowSummary>();
  const order: string[] = [];
  for (const s of summaries) {
    const k = `${s.workCenterId} ${s.windowId}`;
    if (!last.has(k)) order.push(k);
    last.set(k, s);
  }
  const keys = new Set<string>();
  const triggers = new Map<string, number[]>(); // rule+equipment -> trigger instants with a request
  for (const s of summaries)
    for (const o of evaluateMaintenanceRules(plan.maintenance, s)) {
      if (!o.fired) continue;
      const key = requestKey(s.plantId, o.trigger.rule, s.windowId);
      if (keys.has(key)) continue;
      const re = `${o.trigger.rule.name} ${o.trigger.rule.equipment}`;
      const seen = triggers.get(re) ?? [];
      if (seen.some((t) => Math.abs(t - o.trigger.triggerMs) < plan.maintenance.cooldownMs)) continue;
      seen.push(o.trigger.triggerMs);
      triggers.set(re, seen);
      keys.add(key);
    }
  return keys;
}

function problems(standin: OdooStandin, expected: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of standin.records(MAINTENANCE_MODEL)) {
    const m = new RegExp(`\\${REQUEST_MARKER}([0-9a-f]{32})\\]`).exec(String(r['description']));
    if (m === null) continue;
    const key = m[1]!;
    if (seen.has(key)) out.push(`duplicate ${key}`);
    seen.add(key);
    if (!expected.has(key)) out.push(`unexpected ${key}`);
  }
  for (const k of expected) if (!seen.has(k)) out.push(`missing ${k}`);
  return out;
}

async function withEquipment(version: StandinVersion, latencyMs = 0): Promise<OdooStandin> {
  const standin = await startOdooStandin({
    version,
    // 19 with Enterprise's mrp_maintenance (work-center links detected with fields_get), 17 without.
    edition: version === 19 ? 'enterprise' : 'community',
    workCenters: [1, 2, 3].map((w) => ({ code: `WC-0${w}` })),
    latencyMs,
  });
  for (const w of [1, 2, 3])
    standin.store.create('maintenance.equipment', [{ name: `Press ${w}`, serial_no: `EQ-${w}` }]);
  return standin;
}

const ARGS = (plant: Plant): string[] => [
  'post',
  '--kind',
  'maintenance',
  '--topology',
  plant.topologyFile,
  '--flush-interval',
  '100ms',
];

describe.each(PROTOCOL_CASES)('post --kind maintenance over Kafka: $name, 19 EE, 17 CE', ({ version }) => {
  it('a week of shifts: exactly the requests the rules open; revisions update or stay below', async () => {
    const { plant, plan } = await maintenancePlant();
    const standin = await withEquipment(version);
    try {
      await suite.kafka.createTopics([plant.topics.summaries, plant.topics.dlq, plant.topics.audit]);
      const week: WindowSummary[] = [];
      for (let d = 0; d < 7; d += 1)
        for (let s = 0; s < 3; s += 1) for (const w of [1, 2, 3]) week.push(shift(plant.plantId, w, d, s));
      const expected = expectedKeys(plan, week);
      expect(expected.size).toBeGreaterThan(10);
      await suite.kafka.produceSummaries(plant.topics.summaries, week);
      const env = odooEnv(standin, standin.url, plant);
      const run = track(runCli(suite.driver, ARGS(plant), env));
      const group = `shiftstream.${plant.plantId}.odoo-poster-maintenance`;
      await eventually('requests exact', 90_000, async () =>
        problems(standin, expected).length === 0 && (await suite.kafka.fullyCommitted(group, plant.topics.summaries))
          ? true
          : undefined,
      );
      // Revision 2 of the first day's shifts with longer stops, then revision 3 with short ones.
      const day0 = week.filter((s) => s.windowId.startsWith('2026-03-02/'));
      const firedDay0 = day0.filter((s) =>
        evaluateMaintenanceRules(plan.maintenance, s).some(
          (o) => o.fired && expected.has(requestKey(s.plantId, o.trigger.rule, s.windowId)),
        ),
      );
      expect(firedDay0.length).toBeGreaterThan(0);
      // Longer stops: the same requests get the new facts; rules that fire only now open new ones.
      const rev2 = firedDay0.map((s) =>
        shift(plant.plantId, Number(s.workCenterId.slice(3)), 0, Number(s.windowId.slice(-1)), 2, 2),
      );
      const expected2 = expectedKeys(plan, [...week, ...rev2]);
      const updated = rev2.flatMap((s) =>
        evaluateMaintenanceRules(plan.maintenance, s).flatMap((o) => {
          const k = o.fired ? requestKey(s.plantId, o.trigger.rule, s.windowId) : '';
          return expected.has(k) ? [k] : [];
        }),
      );
      expect(updated.length).toBeGreaterThan(0);
      await suite.kafka.produceSummaries(plant.topics.summaries, rev2);
      const descriptionOf = (key: string): string =>
        String(
          standin
            .records(MAINTENANCE_MODEL)
            .find((r) => String(r['description']).includes(`${REQUEST_MARKER}${key}]`))?.['description'],
        );
      await eventually('revision 2 rewrote the facts', 60_000, () =>
        problems(standin, expected2).length === 0 && updated.every((k) => descriptionOf(k).includes('revision 2'))
          ? true
          : undefined,
      );
      const before = standin.records(MAINTENANCE_MODEL).length;
      expect(before).toBe(expected2.size);
      // One short stop left: no rule fires any more (the count rule needs two).
      const short = firedDay0.map((s) => {
        const firstDown = s.intervals.find((i) => i.category === 'down')!;
        return {
          ...s,
          revision: 3,
          intervals: s.intervals.flatMap((i) =>
            i.category !== 'down' ? [i] : i === firstDown ? [{ ...i, endMs: i.startMs + MIN }] : [],
          ),
        };
      });
      expect(short.every((s) => evaluateMaintenanceRules(plan.maintenance, s).every((o) => !o.fired))).toBe(true);
      await suite.kafka.produceSummaries(plant.topics.summaries, short);
      await eventually('revision 3 audited below-threshold', 60_000, async () => {
        const audit = await suite.kafka.readJson<AuditRecord>(plant.topics.audit);
        const below = audit.filter((a) => a.value.status === 'below-threshold');
        return below.length >= firedDay0.length ? true : undefined;
      });
      expect(standin.records(MAINTENANCE_MODEL).length).toBe(before);
      expect(problems(standin, expected2)).toEqual([]);
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(130);
    } finally {
      for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 240_000);

  it('kill -9 while a create is held, restart: none missing, none doubled; unknown equipment to the DLQ', async () => {
    const { plant, plan } = await maintenancePlant();
    const standin = await withEquipment(version, 20);
    try {
      await suite.kafka.createTopics([plant.topics.summaries, plant.topics.dlq, plant.topics.audit]);
      const days: WindowSummary[] = [];
      for (let d = 0; d < 4; d += 1)
        for (let s = 0; s < 3; s += 1) for (const w of [1, 2, 3]) days.push(shift(plant.plantId, w, d, s));
      const expected = expectedKeys(plan, days);
      expect(expected.size).toBeGreaterThan(4);
      // EQ-3 is missing from Odoo: wc-3's firing shifts are dead-lettered.
      const eq3 = standin.records('maintenance.equipment').find((e) => e['serial_no'] === 'EQ-3')!;
      standin.store.unlink('maintenance.equipment', [eq3['id']]);
      const eq3Keys = new Set(
        days.flatMap((s) =>
          s.workCenterId !== 'wc-3'
            ? []
            : evaluateMaintenanceRules(plan.maintenance, s).flatMap((o) => (o.fired ? [s.windowId] : [])),
        ),
      );
      const reachable = new Set(
        [...expected].filter(
          (k) => ![...eq3Keys].some((shiftId) => k === requestKey(plant.plantId, plan.maintenance.rules[2]!, shiftId)),
        ),
      );
      await suite.kafka.produceSummaries(plant.topics.summaries, days);
      // The fault matrix: a 503 on the first create, a response lost after Odoo committed the
      // second, a reset on the first key look-up, a serialization failure on the first cooldown
      // read. Then the 4th create is held 1.5 s in Odoo while the poster is killed.
      standin.faults.inject({ kind: 'http5xx', model: MAINTENANCE_MODEL, method: 'create', times: 1 });
      standin.faults.inject({ kind: 'lost-after-commit', model: MAINTENANCE_MODEL, method: 'create', after: 1 });
      standin.faults.inject({ kind: 'reset', model: MAINTENANCE_MODEL, method: 'search', times: 1 });
      standin.faults.inject({ kind: 'serialization', model: MAINTENANCE_MODEL, method: 'search_read', times: 1 });
      standin.faults.inject({
        kind: 'latency',
        model: MAINTENANCE_MODEL,
        method: 'create',
        after: 3,
        times: 1,
        latencyMs: 1_500,
      });
      const env = odooEnv(standin, standin.url, plant);
      const first = track(runCli(suite.driver, ARGS(plant), env));
      await eventually('fourth create in flight', 90_000, () =>
        (standin.faults.fired['latency'] ?? 0) >= 1 ? true : undefined,
      );
      first.child.kill('SIGKILL');
      await first.exit;
      await eventually('held create committed', 10_000, () =>
        standin.calls.count(MAINTENANCE_MODEL, 'create') >= 4 ? true : undefined,
      );
      expect(standin.records(MAINTENANCE_MODEL).length).toBeLessThan(reachable.size);
      const second = track(runCli(suite.driver, ARGS(plant), env));
      const group = `shiftstream.${plant.plantId}.odoo-poster-maintenance`;
      await eventually('exact after restart', 120_000, async () =>
        problems(standin, reachable).length === 0 && (await suite.kafka.fullyCommitted(group, plant.topics.summaries))
          ? true
          : undefined,
      );
      expect(problems(standin, reachable)).toEqual([]);
      const dlq = await suite.kafka.readJson<DeadLetter>(plant.topics.dlq);
      expect(dlq.length).toBe(eq3Keys.size);
      expect(dlq.every((l) => l.value.service === 'maintenance' && l.value.error.message.includes('"EQ-3"'))).toBe(
        true,
      );
      second.child.kill('SIGINT');
      expect(await second.exit).toBe(130);
      for (const kind of ['http5xx', 'lost-after-commit', 'reset', 'serialization', 'latency'])
        expect(standin.faults.fired[kind] ?? 0, kind).toBeGreaterThanOrEqual(1);
    } finally {
      for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 240_000);
});
