// `shiftstream doctor` against the real servers: all green when the topology's topics exist,
// a failure line naming the missing topic when one does not; with Odoo (the stand-in, 19 and 17),
// the API user's access rights, and a failure line per right Odoo denies.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../../src/cli/commands/doctor.js';
import { startOdooStandin } from '../../src/testkit/odoo-standin/index.js';
import { FAIL_FAST, integrationEnv, uniqueName } from './support/env.js';

const env = integrationEnv();

async function doctor(
  topologyText: string,
  extraEnv: Record<string, string> = {},
  argv: string[] = [],
): Promise<{ code: number; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'doctor-'));
  writeFileSync(join(dir, 'plant.yaml'), topologyText);
  let text = '';
  const stdout = new Writable({
    write(chunk, _e, cb) {
      text += String(chunk);
      cb();
    },
  });
  const code = await doctorCommand.run({
    argv: ['--topology', 'plant.yaml', ...argv],
    env: {
      SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
      SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
      SHIFTSTREAM_REDIS__URL: env.redisUrl,
      ...extraEnv,
    },
    stdout,
    stderr: stdout,
    cwd: dir,
    signal: new AbortController().signal,
  });
  return { code, text };
}

async function plantWithTopics(): Promise<{ prefix: string; topics: Record<string, string> }> {
  const prefix = uniqueName('doctor');
  const roles = [
    'raw',
    'canonical',
    'enriched',
    'milestones',
    'windowSummaries',
    'shiftSummaries',
    'orderSummaries',
    'rejected',
    'late',
  ];
  const topics = Object.fromEntries(roles.map((r) => [r, `${prefix}.${r}`]));
  const admin = new Kafka({ brokers: [...env.brokers], logLevel: logLevel.NOTHING, ...FAIL_FAST.kafkajs }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return { prefix, topics };
}

const yaml = (prefix: string, t: Record<string, string>): string =>
  `version: 1\nplant:\n  id: ${prefix}\ntopics:\n${Object.entries(t)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n')}\n`;

describe('doctor against the real servers', () => {
  it('passes when every topic exists and names a missing one otherwise', async () => {
    const { prefix, topics } = await plantWithTopics();

    const ok = await doctor(yaml(prefix, topics));
    expect(ok.text).toMatch(/ok {4}kafka {5}broker .*: Kafka 4\.\d+\.x/);
    expect(ok.text).toMatch(/ok {4}redis {5}.*Redis \d+\.\d+/);
    expect(ok.text).toContain('global compatibility BACKWARD');
    expect(ok.code).toBe(0);

    const missing = await doctor(yaml(prefix, { ...topics, late: `${prefix}.not-created` }));
    expect(missing.code).toBe(1);
    expect(missing.text).toContain(
      `FAIL  kafka     topic ${prefix}.not-created (plant.yaml topics.late): expected to exist, found missing`,
    );
  });

  it.each([
    [19, 'has_access'],
    [17, 'check_access_rights'],
  ] as const)('Odoo %i: checks the API user rights with %s and fails on a denied one', async (version, method) => {
    const { prefix, topics } = await plantWithTopics();
    const standin = await startOdooStandin({ version });
    const odoo = {
      SHIFTSTREAM_ODOO__URL: standin.url,
      SHIFTSTREAM_ODOO__DB: standin.db,
      SHIFTSTREAM_ODOO__LOGIN: standin.login,
      SHIFTSTREAM_ODOO__API_KEY: standin.apiKey,
    };
    try {
      const ok = await doctor(yaml(prefix, topics), odoo);
      expect(ok.text).toMatch(
        new RegExp(`ok {4}odoo {6}access rights of integration \\(${method}\\): (\\d+) of \\1 granted`),
      );
      expect(ok.code, ok.text).toBe(0);
      expect(standin.calls.count(undefined, method)).toBeGreaterThan(10);

      // The integration user lost the right to create productivity records (say, a group removed).
      standin.denyAccess('mrp.workcenter.productivity', 'create');
      const denied = await doctor(yaml(prefix, topics), odoo);
      expect(denied.code).toBe(1);
      expect(denied.text).toContain(
        'FAIL  odoo      create on mrp.workcenter.productivity: expected integration to have it for ' +
          'shiftstream post, shiftstream post --milestones (',
      );
      expect(denied.text).toContain('found it denied; grant mrp.group_mrp_user (Manufacturing / User)');
      expect(denied.text.trimEnd().endsWith('doctor: 1 check(s) failed')).toBe(true);
      // Checked only for the commands the plant runs: reconcile reads, it creates nothing.
      const reconcileOnly = await doctor(yaml(prefix, topics), odoo, ['--odoo-for', 'reconcile']);
      expect(reconcileOnly.code, reconcileOnly.text).toBe(0);
    } finally {
      await standin.stop();
    }
  });
});
