// `shiftstream post` end to end: the compiled CLI in a child process, real Kafka (Avro through the
// registry) and Redis, the Odoo stand-in. Run on both wire protocols:
// - a simulated week for 20 work centers: Odoo holds exactly the expected records, at most one
//   create per batch; revision 2 replaces revision 1; figures (records/s, calls per 1,000 records);
//   then `reconcile` finds nothing, and after changes behind its back a deleted record, an altered
//   duration and altered dates;
// - kill -9 of the poster while a create is in flight, then a restart: no missing, no duplicate;
// - Odoo unreachable, then back: consumption pauses, nothing is committed past unposted work, and
//   everything is posted once it returns.
import { describe, expect, it } from 'vitest';
import type { WindowSummary } from '../../../src/core/types.js';
import {
  PRODUCTIVITY_MODEL,
  parseMarkers,
  type ProductivityRecord,
} from '../../../src/io/odoo/productivity-records.js';
import type { AuditRecord } from '../../../src/ports/dead-letters.js';
import { startOdooStandin, type OdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { loadTopology } from '../../../src/topology/index.js';
import { randomShift } from '../../unit/io/odoo/summary-fixtures.js';
import { expectedProductivityRows, productivityRowDiff } from '../support/productivity-rows.js';
import { eventually } from '../support/env.js';
import type { Plant } from './support.js';
import { PROTOCOL_CASES, cleanRedis, newPlant, odooEnv, runCli, startProxy, suiteContext } from './support.js';

const CASES = PROTOCOL_CASES;
const suite = suiteContext();

const codes = (n: number): { code: string }[] =>
  Array.from({ length: n }, (_, i) => ({ code: `WC-${String(i + 1).padStart(2, '0')}` }));

function shifts(
  plantId: string,
  workCenters: number,
  fromDay: number,
  days: number,
  revision = 1,
  seedShift = 0,
): WindowSummary[] {
  const out: WindowSummary[] = [];
  for (let d = fromDay; d < fromDay + days; d += 1)
    for (let s = 0; s < 3; s += 1)
      for (let w = 1; w <= workCenters; w += 1)
        out.push({ ...randomShift(`wc-${w}`, d, s, w * 1000 + d * 10 + s + seedShift, revision), plantId });
  return out;
}

async function settled(
  what: string,
  standin: OdooStandin,
  expected: ReadonlyMap<string, ProductivityRecord>,
  groupId: string,
  topic: string,
  timeoutMs: number,
): Promise<void> {
  await eventually(what, timeoutMs, async () =>
    productivityRowDiff(standin, expected).length === 0 && (await suite.kafka.fullyCommitted(groupId, topic))
      ? true
      : undefined,
  );
}

describe.each(CASES)('shiftstream post over Kafka: $name', ({ version }) => {
  it('a simulated week for 20 work centers; revision 2 replaces revision 1; reconcile', async () => {
    const plant: Plant = await newPlant(20);
    const plan = loadTopology(plant.topologyFile);
    const standin = await startOdooStandin({ version, workCenters: codes(20), latencyMs: 20 });
    const cli = { env: odooEnv(standin, standin.url, plant) };
    try {
      await suite.kafka.createTopics([plant.topics.summaries, plant.topics.dlq, plant.topics.audit]);
      const week = shifts(plant.plantId, 20, 0, 7);
      const expected = await expectedProductivityRows(standin, plan, week);
      standin.calls.reset();
      const post = runCli(
        suite.driver,
        [
          'post',
          '--topology',
          plant.topologyFile,
          '--batch-count',
          '500',
          '--batch-period',
          '1s',
          '--flush-interval',
          '100ms',
        ],
        cli.env,
      );
      // The poster is up (master data read) before the week is produced: the timing is posting only.
      await eventually('poster started', 60_000, () =>
        standin.calls.count('mrp.workcenter', 'search_read') > 0 ? true : undefined,
      );
      await suite.kafka.produceSummaries(plant.topics.summaries, week);
      let firstCreateAt = 0;
      await eventually('week posted', 120_000, () => {
        if (firstCreateAt === 0 && standin.calls.count(PRODUCTIVITY_MODEL, 'create') > 0)
          firstCreateAt = performance.now();
        return standin.records(PRODUCTIVITY_MODEL).length >= expected.size ? true : undefined;
      });
      const seconds = (performance.now() - firstCreateAt) / 1000;
      await settled(
        'week exact and committed',
        standin,
        expected,
        `shiftstream.${plant.plantId}.odoo-poster`,
        plant.topics.summaries,
        60_000,
      );
      expect(productivityRowDiff(standin, expected)).toEqual([]);
      const creates = standin.calls.count(PRODUCTIVITY_MODEL, 'create');
      const calls =
        standin.calls.count() -
        standin.calls.count('mrp.workcenter') -
        standin.calls.count('ir.model.data') -
        standin.calls.count('mrp.workcenter.productivity.loss') -
        standin.calls.count('res.users') -
        standin.calls.count('common');
      // At most one create per batch: batches of >= 500 records (a summary is never split), plus the
      // partial batches the 1 s period closes while the week streams in.
      expect(creates).toBeLessThanOrEqual(Math.ceil(expected.size / 500) + 8);
      const figures = {
        protocol: version === 19 ? 'json2' : 'jsonrpc',
        summaries: week.length,
        records: expected.size,
        creates,
        postingCalls: calls,
        callsPer1000: Number(((calls * 1000) / expected.size).toFixed(2)),
        seconds: Number(seconds.toFixed(2)),
        recordsPerSecond: Math.round(expected.size / seconds),
      };
      process.stdout.write(`odoo-post-kafka ${JSON.stringify(figures)}\n`);

      // Revision 2 of five shifts (different intervals): their revision-1 records disappear.
      const rev2 = shifts(plant.plantId, 5, 2, 1, 2, 777).filter((s) => s.windowId.endsWith('/s1'));
      const expected2 = await expectedProductivityRows(standin, plan, [...week, ...rev2]);
      await suite.kafka.produceSummaries(plant.topics.summaries, rev2);
      await settled(
        'revision 2 exact',
        standin,
        expected2,
        `shiftstream.${plant.plantId}.odoo-poster`,
        plant.topics.summaries,
        60_000,
      );
      const audit = await suite.kafka.readJson<AuditRecord>(plant.topics.audit);
      const unlinked = audit.filter((a) => a.value.event === 'posted' && a.value.unlinkedIds.length > 0);
      expect(unlinked.map((a) => a.value.subject).sort()).toEqual(rev2.map((s) => `${s.windowId}@2`).sort());
      expect(audit.filter((a) => a.value.event === 'received')).toHaveLength(week.length + rev2.length);

      post.child.kill('SIGINT');
      expect(await post.exit).toBe(130);
      expect(post.stdout()).toMatch(/^post: \d+ received, \d+ confirmed, 0 dead-lettered/m);

      // Reconcile: nothing to report, then three changes made behind shiftstream's back.
      const range = ['--from', '2026-03-01', '--to', '2026-03-10'];
      const clean = runCli(
        suite.driver,
        ['reconcile', '--topology', plant.topologyFile, ...range, '--check-duration'],
        cli.env,
      );
      expect(await clean.exit, clean.stderr()).toBe(0);
      expect(clean.stdout()).toContain(
        `${week.length} shift(s), ${expected2.size} expected record(s), ${expected2.size} in Odoo, 0 difference(s)`,
      );
      const rows = standin.records(PRODUCTIVITY_MODEL).filter((r) => parseMarkers(r['description']) !== null);
      const [gone, longer, moved] = [rows[10]!, rows[20]!, rows[30]!];
      standin.store.unlink(PRODUCTIVITY_MODEL, [gone['id']]);
      (standin.store.table(PRODUCTIVITY_MODEL).get(longer['id'] as number) as Record<string, unknown>)['duration'] =
        (longer['duration'] as number) + 12.5;
      standin.store.write(PRODUCTIVITY_MODEL, [moved['id']], { date_end: '2026-03-09 23:59:59' });
      const dirty = runCli(
        suite.driver,
        ['reconcile', '--topology', plant.topologyFile, ...range, '--check-duration'],
        cli.env,
      );
      expect(await dirty.exit, dirty.stderr()).toBe(1);
      const table = dirty.stdout();
      const wcOf = (row: Record<string, unknown>): string => String(row['description']).split(' ')[2]!.split('/')[1]!;
      expect(table).toMatch(new RegExp(`^${wcOf(gone)} +\\S+ +missing +- `, 'm'));
      expect(table).toMatch(new RegExp(`^${wcOf(longer)} +\\S+ +altered-duration +${String(longer['id'])} `, 'm'));
      expect(table).toMatch(
        new RegExp(`^${wcOf(moved)} +\\S+ +altered-dates +${String(moved['id'])} .*2026-03-09 23:59:59`, 'm'),
      );
      expect(table).toContain('3 difference(s)');
    } finally {
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 360_000);

  it('kill -9 of the poster while a create is in flight, then a restart: no missing, no duplicate', async () => {
    const plant = await newPlant(20);
    const plan = loadTopology(plant.topologyFile);
    const standin = await startOdooStandin({ version, workCenters: codes(20), latencyMs: 60 });
    try {
      await suite.kafka.createTopics([plant.topics.summaries, plant.topics.dlq, plant.topics.audit]);
      const days = shifts(plant.plantId, 20, 0, 3);
      const expected = await expectedProductivityRows(standin, plan, days);
      await suite.kafka.produceSummaries(plant.topics.summaries, days);
      // The 6th create is held for 1.5 s in the stand-in, then committed: the poster dies meanwhile.
      standin.faults.inject({
        kind: 'latency',
        model: PRODUCTIVITY_MODEL,
        method: 'create',
        after: 5,
        times: 1,
        latencyMs: 1_500,
      });
      const env = odooEnv(standin, standin.url, plant);
      const args = [
        'post',
        '--topology',
        plant.topologyFile,
        '--batch-count',
        '100',
        '--batch-period',
        '1s',
        '--flush-interval',
        '100ms',
      ];
      const first = runCli(suite.driver, args, env);
      // The held create has reached the stand-in (fault fired on arrival): kill the poster now.
      await eventually('sixth create in flight', 90_000, () =>
        (standin.faults.fired['latency'] ?? 0) >= 1 ? true : undefined,
      );
      first.child.kill('SIGKILL');
      await first.exit;
      const partial = standin.records(PRODUCTIVITY_MODEL).length;
      // Let the held create commit in Odoo (its client is gone): the ledger says pending for it.
      await eventually('held create committed', 10_000, () =>
        standin.calls.count(PRODUCTIVITY_MODEL, 'create') >= 6 ? true : undefined,
      );
      expect(standin.records(PRODUCTIVITY_MODEL).length).toBeGreaterThan(partial);
      expect(standin.records(PRODUCTIVITY_MODEL).length).toBeLessThan(expected.size);
      const second = runCli(suite.driver, args, env);
      await settled(
        'exact after restart',
        standin,
        expected,
        `shiftstream.${plant.plantId}.odoo-poster`,
        plant.topics.summaries,
        120_000,
      );
      expect(productivityRowDiff(standin, expected)).toEqual([]);
      second.child.kill('SIGINT');
      expect(await second.exit).toBe(130);
    } finally {
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 240_000);

  it('Odoo unreachable, then back: consumption pauses and resumes with nothing lost', async () => {
    const plant = await newPlant(10);
    const plan = loadTopology(plant.topologyFile);
    const standin = await startOdooStandin({ version, workCenters: codes(10) });
    const proxy = await startProxy(standin.url);
    const groupId = `shiftstream.${plant.plantId}.odoo-poster`;
    try {
      await suite.kafka.createTopics([plant.topics.summaries, plant.topics.dlq, plant.topics.audit]);
      const dayA = shifts(plant.plantId, 10, 0, 1);
      const post = runCli(
        suite.driver,
        [
          'post',
          '--topology',
          plant.topologyFile,
          '--batch-count',
          '200',
          '--batch-period',
          '300ms',
          '--flush-interval',
          '100ms',
          '--recovery-max',
          '1s',
          '--breaker-open',
          '500ms',
        ],
        odooEnv(standin, proxy.url, plant),
      );
      await suite.kafka.produceSummaries(plant.topics.summaries, dayA);
      await settled(
        'day A posted',
        standin,
        await expectedProductivityRows(standin, plan, dayA),
        groupId,
        plant.topics.summaries,
        90_000,
      );

      proxy.down();
      const dayB = shifts(plant.plantId, 10, 1, 1);
      const rev2 = shifts(plant.plantId, 3, 0, 1, 2, 99).filter((s) => s.windowId.endsWith('/s2'));
      await suite.kafka.produceSummaries(plant.topics.summaries, [...dayB, ...rev2]);
      const before = standin.records(PRODUCTIVITY_MODEL).length;
      await eventually('poster retried while Odoo is down', 60_000, () => (proxy.refused() >= 10 ? true : undefined));
      expect(standin.records(PRODUCTIVITY_MODEL).length).toBe(before);
      expect(await suite.kafka.fullyCommitted(groupId, plant.topics.summaries)).toBe(false);

      proxy.up();
      const expected = await expectedProductivityRows(standin, plan, [...dayA, ...dayB, ...rev2]);
      await settled(
        'everything posted after Odoo returned',
        standin,
        expected,
        groupId,
        plant.topics.summaries,
        90_000,
      );
      expect(productivityRowDiff(standin, expected)).toEqual([]);
      // Audit records are produced after Odoo confirmed; they may land just after the commit.
      const postedAudits = async (): Promise<AuditRecord[]> =>
        (await suite.kafka.readJson<AuditRecord>(plant.topics.audit))
          .map((a) => a.value)
          .filter((a) => a.event === 'posted' && a.status === 'posted');
      await eventually('every posted summary audited', 30_000, async () =>
        (await postedAudits()).length >= dayA.length + dayB.length + rev2.length ? true : undefined,
      );
      const audit = await suite.kafka.readJson<AuditRecord>(plant.topics.audit);
      expect(
        audit.some((a) => a.value.status === 'retrying' && a.value.error?.code === 'SHIFTSTREAM_ODOO_NETWORK'),
      ).toBe(true);
      expect(await postedAudits()).toHaveLength(dayA.length + dayB.length + rev2.length);
      post.child.kill('SIGINT');
      expect(await post.exit).toBe(130);
    } finally {
      await proxy.close();
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 240_000);
});
