// `run --orders-topic` is checked before anything connects: exit 2 with what was expected and found.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), text: () => text };
}

async function run(orderTopic: string): Promise<{ code: number; stderr: string }> {
  const err = sink();
  const code = await main(
    ['run', '--topology', 'topologies/stamping-berlin.yaml', '--orders-topic', orderTopic, '--log-level', 'silent'],
    { stdout: sink().stream, stderr: err.stream, signal: new AbortController().signal },
  );
  return { code, stderr: err.text() };
}

describe('run --orders-topic', () => {
  it('refuses a name Kafka would refuse', async () => {
    const r = await run('orders of berlin');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "run --orders-topic: expected a Kafka topic name (letters, digits, . _ -; at most 249), found 'orders of berlin'",
    );
  });

  it("refuses one of the pipeline's own topics", async () => {
    const r = await run('shiftstream.stamping-berlin.enriched');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'run --orders-topic: expected a topic of its own, found ' +
        "'shiftstream.stamping-berlin.enriched', the topology's enriched topic",
    );
  });
});
