// API-key rotation without a restart: with the key from SHIFTSTREAM_ODOO__API_KEY_FILE, the client
// reads the file again when Odoo refuses the key, and repeats the refused call once with a new key.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OdooError } from '../../../../src/errors.js';
import { createOdooClient, type OdooClient } from '../../../../src/io/odoo/client.js';
import { startOdooStandin, type OdooStandin } from '../../../../src/testkit/odoo-standin/index.js';

let standin: OdooStandin | undefined;
let client: OdooClient | undefined;
afterEach(async () => {
  client?.close();
  await standin?.stop();
});

const wc = (n: number): Record<string, unknown> => ({
  workcenter_id: 1,
  loss_id: 7,
  date_start: `2026-03-25 0${n}:00:00`,
});

describe.each([
  ['JSON-2 (Odoo 19)', 19],
  ['JSON-RPC (Odoo 17)', 17],
] as const)('API key rotation, %s', (_name, version) => {
  async function start(withFile: boolean): Promise<{ standin: OdooStandin; client: OdooClient; file: string }> {
    standin = await startOdooStandin({ version });
    const file = join(mkdtempSync(join(tmpdir(), 'odoo-key-')), 'api-key');
    writeFileSync(file, `${standin.apiKey}\n`);
    client = createOdooClient({
      url: standin.url,
      db: standin.db,
      login: standin.login,
      apiKey: standin.apiKey,
      ...(withFile ? { apiKeyFile: file } : {}),
      protocol: 'auto',
      timeoutMs: 5_000,
    });
    return { standin, client, file };
  }

  it('takes the rotated key from the file when Odoo refuses the old one, for reads and writes', async () => {
    const { standin, client, file } = await start(true);
    expect(await client.searchCount('mrp.workcenter', [])).toBe(3);
    // The operator's order: the new key into the file, then the old one revoked in Odoo.
    writeFileSync(file, 'rotated-key-1\n');
    standin.rotateApiKey('rotated-key-1');
    // Several calls refused together share one re-read; each is repeated once and succeeds.
    const [count, ids, names] = await Promise.all([
      client.searchCount('mrp.workcenter', []),
      client.create('mrp.workcenter.productivity', [wc(6), wc(7)]),
      client.searchRead<{ code: string }>('mrp.workcenter', [], ['code']),
    ]);
    expect(count).toBe(3);
    expect(ids).toHaveLength(2);
    expect(names.map((r) => r.code)).toEqual(['WC-01', 'WC-02', 'WC-03']);
    // Nothing was written twice: the refused create ran nowhere, the repeated one once.
    expect(standin.records('mrp.workcenter.productivity')).toHaveLength(2);
    expect(standin.calls.list.filter((c) => c.method === 'create' && c.ok)).toHaveLength(1);
    // And the next rotation again.
    writeFileSync(file, 'rotated-key-2');
    standin.rotateApiKey('rotated-key-2');
    expect(await client.authenticate()).toBe(standin.uid);
  });

  it('fails with the refusal when the file holds the same refused key, after one read and no loop', async () => {
    const { standin, client, file } = await start(true);
    await client.authenticate();
    standin.rotateApiKey('key-the-file-does-not-have');
    const before = standin.calls.list.length;
    const err = await client.searchCount('mrp.workcenter', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OdooError);
    expect((err as OdooError).code).toBe('SHIFTSTREAM_ODOO_AUTH');
    // One refused call (JSON-RPC: the execute_kw; the cached uid stays valid for the same key).
    expect(standin.calls.list.length - before).toBe(1);
    // Revoked before the file was written: the next refused call (the poster retries) finds it.
    writeFileSync(file, 'key-the-file-does-not-have');
    expect(await client.searchCount('mrp.workcenter', [])).toBe(3);
  });

  it('says what went wrong with the file, and without a file the refusal is final', async () => {
    const { standin, client, file } = await start(true);
    await client.authenticate();
    writeFileSync(file, '  \n');
    standin.rotateApiKey();
    const err = (await client.searchCount('mrp.workcenter', []).catch((e: unknown) => e)) as OdooError;
    expect(err.code).toBe('SHIFTSTREAM_ODOO_AUTH');
    expect(err.message).toContain(`reading the key again: ${file} is empty, expected the API key`);

    client.close();
    await standin.stop();
    const plain = await start(false);
    plain.standin.rotateApiKey();
    const refused = (await plain.client.searchCount('mrp.workcenter', []).catch((e: unknown) => e)) as OdooError;
    expect(refused.code).toBe('SHIFTSTREAM_ODOO_AUTH');
  });
});
