import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write: (chunk: Buffer, _e, cb) => ((text += chunk.toString()), cb()) });
  return { stream, text: () => text };
}

describe('shiftstream print-config', () => {
  const env = {
    SHIFTSTREAM_KAFKA__BROKERS: 'k1:9092,k2:9092',
    SHIFTSTREAM_ODOO__URL: 'https://odoo.example.com',
    SHIFTSTREAM_ODOO__DB: 'prod',
    SHIFTSTREAM_ODOO__LOGIN: 'integration',
    SHIFTSTREAM_ODOO__API_KEY: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef',
  };

  it('prints the effective configuration with the secret masked', async () => {
    const out = capture();
    const err = capture();
    const code = await main(['print-config'], {
      env,
      stdout: out.stream,
      stderr: err.stream,
      signal: new AbortController().signal,
    });
    expect(code).toBe(0);
    const printed = JSON.parse(out.text()) as { kafka: { brokers: string[] }; odoo: { apiKey: string } };
    expect(printed.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(printed.odoo.apiKey).not.toContain('deadbeef');
    expect(out.text()).not.toContain('deadbeef');
  });

  it('env format, flags over environment, and a clear error for a bad format', async () => {
    const out = capture();
    expect(
      await main(['print-config', '--format', 'env', '--kafka.brokers=flag:1'], {
        env,
        stdout: out.stream,
        stderr: capture().stream,
        signal: new AbortController().signal,
      }),
    ).toBe(0);
    expect(out.text()).toContain('SHIFTSTREAM_KAFKA__BROKERS=flag:1');
    expect(out.text()).not.toContain('deadbeef');
    const err = capture();
    expect(
      await main(['print-config', '--format', 'xml'], {
        env,
        stdout: capture().stream,
        stderr: err.stream,
        signal: new AbortController().signal,
      }),
    ).toBe(2);
    expect(err.text()).toContain("expected json or env, found 'xml'");
  });
});
