import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { doctorCommand, readTopologyTopics } from '../../../src/cli/commands/doctor.js';

function capture(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

describe('doctor', () => {
  it('reads topology topics: defaults from plant.id, overridden by topics:', () => {
    const topics = readTopologyTopics('t.yaml', 'version: 1\nplant:\n  id: p1\ntopics:\n  raw: scada.raw\n');
    expect(topics).toContainEqual({ topic: 'scada.raw', neededBy: 't.yaml topics.raw' });
    expect(topics).toContainEqual({
      topic: 'shiftstream.p1.window-summaries',
      neededBy: 't.yaml topics.windowSummaries',
    });
    expect(topics).toHaveLength(9);
    expect(() => readTopologyTopics('t.yaml', 'plant: {}\n')).toThrow(
      't.yaml /plant/id: expected the plant id, found undefined',
    );
  });

  it('reports every unreachable server with expected vs found and exits 1', async () => {
    const stdout = capture();
    const code = await doctorCommand.run({
      argv: ['--kafka.connectionTimeoutMs=500', '--registry.timeoutMs=500'],
      env: {
        SHIFTSTREAM_KAFKA__BROKERS: '127.0.0.1:1',
        SHIFTSTREAM_REGISTRY__URL: 'http://127.0.0.1:1',
        SHIFTSTREAM_REDIS__URL: 'redis://127.0.0.1:1',
        SHIFTSTREAM_ODOO__URL: 'http://127.0.0.1:1',
        SHIFTSTREAM_ODOO__DB: 'd',
        SHIFTSTREAM_ODOO__LOGIN: 'l',
        SHIFTSTREAM_ODOO__API_KEY: 'k',
        SHIFTSTREAM_ODOO__TIMEOUT_MS: '500',
      },
      stdout,
      stderr: capture(),
      cwd: process.cwd(),
      signal: new AbortController().signal,
    });
    const text = stdout.text();
    expect(code).toBe(1);
    expect(text).toContain('FAIL  kafka     127.0.0.1:1: expected a reachable broker within 500 ms, found:');
    expect(text).toContain('FAIL  registry  http://127.0.0.1:1: expected a Confluent-compatible registry, found:');
    expect(text).toContain('ECONNREFUSED');
    expect(text).toContain('FAIL  redis     redis://127.0.0.1:1: expected a reachable Redis within 500 ms, found:');
    expect(text).toContain(
      'FAIL  odoo      http://127.0.0.1:1: expected an answer to common.version within 500 ms, found:',
    );
    expect(text).not.toContain('k\n');
    expect(text.trimEnd().endsWith('doctor: 4 check(s) failed')).toBe(true);
  });

  it('refuses unknown flags', async () => {
    await expect(
      doctorCommand.run({
        argv: ['--verbose'],
        env: {},
        stdout: capture(),
        stderr: capture(),
        cwd: '.',
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow("doctor: expected --topology <file>, --odoo-for <commands> or config flags, found '--verbose'");
  });
});
