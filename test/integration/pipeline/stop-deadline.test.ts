// run.shutdownTimeoutMs bounds a graceful stop: with a deadline far shorter than any real stop
// (leaving two consumer groups, a final checkpoint), SIGTERM ends `run` at the deadline with exit
// code 4 and a log line saying why, instead of whenever the stop finishes; with the default the
// same process stops gracefully (exit 130).
import { afterAll, describe, expect, it } from 'vitest';
import { PlantHarness } from '../../support/pipeline-harness.js';

let h: PlantHarness | undefined;
afterAll(async () => {
  await h?.close();
});

describe('run: the graceful stop has a deadline (real Kafka, registry, Redis)', () => {
  it('exits 4 with a reason when the stop outlasts run.shutdownTimeoutMs, and 130 when it does not', async () => {
    h = await PlantHarness.create('stop-deadline');
    const short = await h.start({ client: 'kafkajs', logLevel: 'info', extraArgs: ['--run.shutdownTimeoutMs=1ms'] });
    await short.ready();
    short.child.kill('SIGTERM');
    const forced = await short.exited;
    expect(forced.code, short.output()).toBe(4);
    expect(short.output()).toContain('graceful stop did not finish within run.shutdownTimeoutMs');

    const normal = await h.start({ client: 'kafkajs' });
    await normal.ready();
    await normal.stop(60_000); // throws unless exit 0 or 130 within the deadline
    expect(normal.output()).not.toContain('graceful stop did not finish');
  }, 240_000);
});
