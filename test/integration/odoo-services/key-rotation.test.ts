// API-key rotation while `shiftstream post` runs (the compiled CLI, real Kafka and Redis, the
// stand-in), on both wire protocols: the key comes from SHIFTSTREAM_ODOO__API_KEY_FILE; mid-stream
// the operator writes a new key to the file and revokes the old one in Odoo. The poster keeps
// going: every record is in Odoo exactly once, nothing is dead-lettered, no post failed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WindowSummary } from '../../../src/core/types.js';
import { createOdooClient } from '../../../src/io/odoo/client.js';
import { createMasterData, masterDataRequestOf } from '../../../src/io/odoo/master-data.js';
import { PRODUCTIVITY_MODEL, parseMarkers, summaryToRecords } from '../../../src/io/odoo/productivity-records.js';
import type { AuditRecord, DeadLetter } from '../../../src/ports/dead-letters.js';
import { startOdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { loadTopology } from '../../../src/topology/index.js';
import { randomShift } from '../../unit/io/odoo/summary-fixtures.js';
import { eventually } from '../support/env.js';
import { PROTOCOL_CASES, cleanRedis, newPlant, odooEnv, runCli, suiteContext } from './support.js';

const suite = suiteContext();
const WORK_CENTERS = 6;

describe.each(PROTOCOL_CASES)('Odoo API key rotated while post runs: $name', ({ version }) => {
  it('re-reads the key file when Odoo refuses the old key: nothing fails, nothing is lost', async () => {
    const plant = await newPlant(WORK_CENTERS);
    const plan = loadTopology(plant.topologyFile);
    const standin = await startOdooStandin({
      version,
      workCenters: Array.from({ length: WORK_CENTERS }, (_, i) => ({ code: `WC-${String(i + 1).padStart(2, '0')}` })),
      latencyMs: 20,
    });
    const keyFile = join(plant.dir, 'odoo-api-key');
    await writeFile(keyFile, `${standin.apiKey}\n`, { mode: 0o600 });
    const { SHIFTSTREAM_ODOO__API_KEY: _inline, ...env } = odooEnv(standin, standin.url, plant);
    try {
      await suite.kafka.createTopics([plant.topics.summaries, plant.topics.dlq, plant.topics.audit]);
      const summaries: WindowSummary[] = [];
      for (let day = 0; day < 4; day++)
        for (let s = 0; s < 3; s++)
          for (let w = 1; w <= WORK_CENTERS; w++)
            summaries.push({ ...randomShift(`wc-${w}`, day, s, w * 100 + day * 10 + s), plantId: plant.plantId });
      // The records Odoo must hold in the end, one per key.
      const client = createOdooClient({
        url: standin.url,
        db: standin.db,
        login: standin.login,
        apiKey: standin.apiKey,
        protocol: 'auto',
        timeoutMs: 5_000,
      });
      const targets = await createMasterData({ client, refreshMs: 60_000, nowMs: Date.now }).resolve(
        masterDataRequestOf([...plan.plant.workCenters.values()], plan.odoo.losses),
      );
      client.close();
      const expected = new Set(
        summaries.flatMap((s) => summaryToRecords(s, plan.odoo, targets).records.map((r) => r.key)),
      );

      const post = runCli(
        suite.driver,
        ['post', '--topology', plant.topologyFile, '--batch-count', '40', '--batch-period', '200ms'],
        { ...env, SHIFTSTREAM_ODOO__API_KEY_FILE: keyFile },
      );
      await eventually('poster started', 60_000, () =>
        standin.calls.count('mrp.workcenter', 'search_read') > 0 ? true : undefined,
      );
      await suite.kafka.produceSummaries(plant.topics.summaries, summaries);
      await eventually('first records posted', 60_000, () =>
        standin.records(PRODUCTIVITY_MODEL).length > 0 ? true : undefined,
      );
      // Mid-stream rotation: the new key into the file, then the old one revoked in Odoo.
      const postedBefore = standin.records(PRODUCTIVITY_MODEL).length;
      await writeFile(keyFile, 'b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2\n');
      standin.rotateApiKey('b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2');
      const refusedAt = standin.calls.list.length;

      const groupId = `shiftstream.${plant.plantId}.odoo-poster`;
      // A poster that gave up on the refused key exits: fail at once with what it said.
      const died = post.exit.then((code) => {
        throw new Error(`post exited (${code}) instead of taking the new key: ${post.stderr().slice(-600)}`);
      });
      await Promise.race([
        died,
        eventually('all posted and committed', 60_000, async () =>
          standin.records(PRODUCTIVITY_MODEL).length >= expected.size &&
          (await suite.kafka.fullyCommitted(groupId, plant.topics.summaries))
            ? true
            : undefined,
        ),
      ]);
      died.catch(() => undefined);
      // The rotation happened while work was left: Odoo refused the old key at least once.
      expect(postedBefore).toBeLessThan(expected.size);
      expect(standin.calls.list.slice(refusedAt).some((c) => !c.ok)).toBe(true);

      const keys = standin.records(PRODUCTIVITY_MODEL).map((r) => parseMarkers(r['description'])?.key);
      expect(keys.length).toBe(expected.size);
      expect(new Set(keys)).toEqual(expected);
      const audit = await suite.kafka.readJson<AuditRecord>(plant.topics.audit);
      expect(audit.filter((a) => a.value.event === 'failed')).toEqual([]);
      expect(audit.filter((a) => a.value.event === 'posted')).toHaveLength(summaries.length);
      expect(await suite.kafka.readJson<DeadLetter>(plant.topics.dlq)).toEqual([]);

      post.child.kill('SIGINT');
      expect(await post.exit, post.stderr()).toBe(130);
      expect(post.stdout()).toMatch(
        new RegExp(`^post: ${summaries.length} received, \\d+ confirmed, 0 dead-lettered`, 'm'),
      );
    } finally {
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 240_000);
});
