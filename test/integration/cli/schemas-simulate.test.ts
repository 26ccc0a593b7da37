// `shiftstream schemas register` and `shiftstream simulate` against the real registry and broker.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../../src/io/avro/registry-client.js';
import { integrationEnv, uniqueName } from '../support/env.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'bin/shiftstream.js');

function topologyCopy(plantId: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shiftstream-cli-'));
  const file = join(dir, `${plantId}.yaml`);
  const text = readFileSync(join(process.cwd(), 'topologies/stamping-berlin.yaml'), 'utf8').replace(
    /^(\s*)id: stamping-berlin\s*$/m,
    `$1id: ${plantId}`,
  );
  expect(text).toContain(`id: ${plantId}`);
  writeFileSync(file, text);
  return file;
}

/** The shipped plant unchanged (same tags, same simulation), its raw samples on another topic. */
function topologyWithRawTopic(rawTopic: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shiftstream-cli-'));
  const file = join(dir, 'plant.yaml');
  const text = readFileSync(join(process.cwd(), 'topologies/stamping-berlin.yaml'), 'utf8');
  expect(text).not.toMatch(/^topics:/m);
  writeFileSync(file, `${text.trimEnd()}\ntopics:\n  raw: ${rawTopic}\n`);
  return file;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = integrationEnv();
  return {
    ...process.env,
    SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
    SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
    SHIFTSTREAM_REDIS__URL: env.redisUrl,
    SHIFTSTREAM_HTTP__PORT: '0',
  };
}

/** Every record of a topic, per partition in offset order, as [key, value-without-header] hex pairs. */
async function readTopic(topic: string, expected: number): Promise<string[][]> {
  const kafka = new Kafka({ brokers: [...integrationEnv().brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('read') });
  const byPartition = new Map<number, string[]>();
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const list = byPartition.get(partition) ?? [];
        // The 5-byte header holds the schema id, which differs per subject: compare the bodies.
        list.push(`${message.key?.toString()}|${message.value?.subarray(5).toString('hex')}`);
        byPartition.set(partition, list);
        if (++seen === expected) resolve();
      },
    });
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${topic}: read ${seen} of ${expected} records in 60 s`)), 60_000),
  );
  try {
    await Promise.race([done, timeout]);
  } finally {
    await consumer.disconnect();
  }
  return [...byPartition.keys()].sort().map((p) => byPartition.get(p)!);
}

describe('schemas register and simulate on the real servers', () => {
  it('registers every subject of a topology, idempotently, with the ids the registry assigned', async () => {
    const plantId = uniqueName('schemas')
      .replace(/[^a-z0-9-]/gi, '-')
      .toLowerCase();
    const file = topologyCopy(plantId);
    const first = await run(process.execPath, [BIN, 'schemas', 'register', '--topology', file], { env: childEnv() });
    const lines = first.stdout.trim().split('\n');
    // raw, canonical, enriched, milestones, window, shift and order summaries, rejected, late
    expect(lines).toHaveLength(9);
    const registry = createRegistryClient({ url: integrationEnv().registryUrl });
    const raw = await registry.latest(`shiftstream.${plantId}.raw-value`);
    expect(raw).toBeDefined();
    expect(first.stdout).toContain(`shiftstream.${plantId}.raw-value`);
    expect(first.stdout).toContain(`id ${raw!.id}`);
    const again = await run(process.execPath, [BIN, 'schemas', 'register', '--topology', file], { env: childEnv() });
    expect(again.stdout).toBe(first.stdout);
  }, 60_000);

  it('simulate with a seed produces an identical stream; another seed does not', async () => {
    const count = 3_000;
    const topics = ['a', 'b', 'c'].map((x) =>
      uniqueName(`sim-${x}`)
        .replace(/[^a-z0-9-]/gi, '-')
        .toLowerCase(),
    );
    const seeds = ['7', '7', '8'];
    for (let i = 0; i < 3; i++) {
      await run(
        process.execPath,
        [
          BIN,
          'simulate',
          '--topology',
          topologyWithRawTopic(topics[i]!),
          '--count',
          String(count),
          '--seed',
          seeds[i]!,
          '--start',
          '2026-03-09T05:00:00Z',
        ],
        { env: childEnv() },
      );
    }
    const [a, b, c] = await Promise.all(topics.map((topic) => readTopic(topic, count)));
    expect(a!.flat()).toHaveLength(count);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  }, 180_000);
});
