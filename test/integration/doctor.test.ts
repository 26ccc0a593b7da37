// `shiftstream doctor` against the real servers: all green when the topology's topics exist,
// a failure line naming the missing topic when one does not.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../../src/cli/commands/doctor.js';
import { FAIL_FAST, integrationEnv, uniqueName } from './support/env.js';

const env = integrationEnv();

async function doctor(topologyText: string): Promise<{ code: number; text: string }> {
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
    argv: ['--topology', 'plant.yaml'],
    env: {
      SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
      SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
      SHIFTSTREAM_REDIS__URL: env.redisUrl,
    },
    stdout,
    stderr: stdout,
    cwd: dir,
    signal: new AbortController().signal,
  });
  return { code, text };
}

describe('doctor against the real servers', () => {
  it('passes when every topic exists and names a missing one otherwise', async () => {
    const prefix = uniqueName('doctor');
    const roles = [
      'raw',
      'canonical',
      'enriched',
      'milestones',
      'windowSummaries',
      'shiftSummaries',
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
    const yaml = (t: Record<string, string>): string =>
      `version: 1\nplant:\n  id: ${prefix}\ntopics:\n${Object.entries(t)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}\n`;

    const ok = await doctor(yaml(topics));
    expect(ok.text).toMatch(/ok {4}kafka {5}broker .*: Kafka 4\.\d+\.x/);
    expect(ok.text).toMatch(/ok {4}redis {5}.*Redis \d+\.\d+/);
    expect(ok.text).toContain('global compatibility BACKWARD');
    expect(ok.code).toBe(0);

    const missing = await doctor(yaml({ ...topics, late: `${prefix}.not-created` }));
    expect(missing.code).toBe(1);
    expect(missing.text).toContain(
      `FAIL  kafka     topic ${prefix}.not-created (plant.yaml topics.late): expected to exist, found missing`,
    );
  });
});
