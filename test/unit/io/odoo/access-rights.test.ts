// The API user's rights, asked the way each Odoo version answers (check_access_rights on 17,
// has_access on 18 and 19), against the stand-in, which also refuses a denied operation itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OdooError } from '../../../../src/errors.js';
import { checkOdooAccess, hasOdooAccess, ODOO_ACCESS_NEEDS } from '../../../../src/io/odoo/access-rights.js';
import { createOdooClient, type OdooClient } from '../../../../src/io/odoo/client.js';
import { probeOdooAccess } from '../../../../src/io/probes/odoo-access-probe.js';
import { startOdooStandin, type OdooStandin, type StandinVersion } from '../../../../src/testkit/odoo-standin/index.js';

let standin: OdooStandin | undefined;
let client: OdooClient | undefined;
afterEach(async () => {
  client?.close();
  await standin?.stop();
});

async function start(version: StandinVersion): Promise<{ standin: OdooStandin; client: OdooClient }> {
  standin = await startOdooStandin({ version });
  client = createOdooClient({
    url: standin.url,
    db: standin.db,
    login: standin.login,
    apiKey: standin.apiKey,
    protocol: 'auto',
    timeoutMs: 5_000,
  });
  return { standin, client };
}

describe('Odoo access rights', () => {
  it.each([
    [17, 'check_access_rights'],
    [18, 'has_access'],
    [19, 'has_access'],
  ] as const)('Odoo %i: asks %s, and a denied right is refused by the operation too', async (version, method) => {
    const { standin, client } = await start(version);
    expect(await hasOdooAccess(client, 'mrp.workcenter.productivity', 'create')).toBe(true);
    standin.denyAccess('mrp.workcenter.productivity', 'create');
    expect(await hasOdooAccess(client, 'mrp.workcenter.productivity', 'create')).toBe(false);
    expect(await hasOdooAccess(client, 'mrp.workcenter.productivity', 'read')).toBe(true);
    expect(standin.calls.count('mrp.workcenter.productivity', method)).toBe(3);
    const other = method === 'has_access' ? 'check_access_rights' : 'has_access';
    expect(standin.calls.count(undefined, other)).toBe(0);
    // Odoo's own refusal of the operation: AccessError, not retryable.
    const err = await client.create('mrp.workcenter.productivity', [{}]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OdooError);
    expect((err as OdooError).code).toBe('SHIFTSTREAM_ODOO_ACCESS');
    expect((err as OdooError).message).toContain(
      "You are not allowed to create 'mrp.workcenter.productivity' (mrp.workcenter.productivity) records.",
    );
    standin.restoreAccess();
    expect(await hasOdooAccess(client, 'mrp.workcenter.productivity', 'create')).toBe(true);
  });

  it('has_access does not exist on 17 (AttributeError), as in Odoo', async () => {
    const { client } = await start(17);
    const err = await client.callMethod('mrp.workcenter', 'has_access', [], { operation: 'read' }).catch((e) => e);
    expect((err as OdooError).code).toBe('SHIFTSTREAM_ODOO_MISSING');
  });

  it('checks every right of the chosen commands once; an absent optional model is not needed', async () => {
    const { standin, client } = await start(19);
    standin.denyAccess('stock.scrap', 'create');
    const findings = await checkOdooAccess(client, ['post', 'milestones']);
    const pairs = new Set(
      [...ODOO_ACCESS_NEEDS.post, ...ODOO_ACCESS_NEEDS.milestones]
        .filter((n) => n.optionalModel !== true)
        .flatMap((n) => n.operations.map((op) => `${n.model}:${op}`)),
    );
    expect(standin.calls.count(undefined, 'has_access')).toBe(pairs.size);
    expect(findings.filter((f) => f.result === 'denied').map((f) => `${f.need.model}:${f.operation}`)).toEqual([
      'stock.scrap:create',
    ]);
    expect(findings.filter((f) => f.result === 'not-installed').map((f) => f.need.model)).toEqual([
      'quality.check',
      'quality.check',
      'quality.check',
      'quality.alert',
      'quality.alert',
      'quality.alert.team',
      'quality.point.test_type',
    ]);
  });

  it('the doctor lines: one per missing right with its commands and group, warnings for conditional ones', async () => {
    const { standin } = await start(17);
    const config = {
      url: standin.url,
      db: standin.db,
      login: standin.login,
      apiKey: standin.apiKey,
      protocol: 'auto' as const,
      timeoutMs: 5_000,
    };
    const all = await probeOdooAccess(config, ['post', 'milestones', 'orders', 'reconcile']);
    expect(all).toHaveLength(1);
    expect(all[0]!.status).toBe('ok');
    expect(all[0]!.message).toMatch(
      /^access rights of integration \(check_access_rights\): (\d+) of \1 granted for shiftstream post, .*; not installed, so not needed: quality\.check, quality\.alert, quality\.alert\.team, quality\.point\.test_type$/,
    );

    standin.denyAccess('mrp.workcenter.productivity', 'unlink');
    standin.denyAccess('mrp.workcenter', 'write');
    const lines = await probeOdooAccess(config, ['post', 'milestones']);
    expect(lines.map((l) => l.status)).toEqual(['fail', 'warn']);
    expect(lines[0]!.message).toBe(
      'unlink on mrp.workcenter.productivity: expected integration to have it for shiftstream post, ' +
        'shiftstream post --milestones (the shift records: search markers, create, replace an older revision; ' +
        'live downtime and quality holds: open, close, clip to posted shifts), found it denied; ' +
        'grant mrp.group_mrp_user (Manufacturing / User)',
    );
    expect(lines[1]!.message).toContain(
      '(needed only when quality.alert is not installed and a milestone has no order), found it denied; ' +
        'grant mrp.group_mrp_manager (Manufacturing / Administrator)',
    );
    // Only what reconcile needs: nothing missing.
    expect((await probeOdooAccess(config, ['reconcile'])).map((l) => l.status)).toEqual(['ok']);
  });

  it('docs/odoo.md lists every right of the table and its group', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/odoo.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## The integration user'), doc.indexOf('## API key rotation'));
    for (const need of Object.values(ODOO_ACCESS_NEEDS).flat()) {
      expect(section, need.model).toContain(`| \`${need.model}\` | ${need.operations.join(', ')} |`);
      expect(section, need.group).toContain(`\`${need.group.split(' ')[0]!}\``);
    }
  });
});
