// Editions and detection on the stand-in: what ir.model, ir.module.module, fields_get and the
// version answer say about a database; the Enterprise quality models behind the flag, absent
// (with each protocol's unknown-model error) without it.
import { afterEach, describe, expect, it } from 'vitest';
import { loadSchema } from '../../../../src/testkit/odoo-standin/index.js';
import type { Rpc } from './rpc.js';
import { CASES, idOf, ref, start } from './rpc.js';
import { readOne } from './stock-fixture.js';

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

const QUALITY = ['quality.point', 'quality.check', 'quality.alert'];

describe.each(CASES)('editions on the stand-in: $name', (c) => {
  it('Community: ir.model lists no quality model, calls to them answer the unknown-model error', async () => {
    rpc = await start(c);
    const listed = (await rpc.ok('ir.model', 'search_read', null, {
      domain: [['model', 'in', [...QUALITY, 'qc.inspection', 'stock.picking', 'maintenance.request']]],
      fields: ['model', 'modules'],
    })) as { model: string; modules: string }[];
    expect(listed.map((r) => r.model).sort()).toEqual(['maintenance.request', 'stock.picking']);
    expect(listed.find((r) => r.model === 'stock.picking')?.modules).toBe('stock');
    for (const model of QUALITY) {
      const a = await rpc.call(model, 'search_read', null, { domain: [], fields: ['id'] });
      if (c.protocol === 'json2') {
        expect(a.httpStatus).toBe(404);
        expect(a.error).toMatchObject({
          name: 'werkzeug.exceptions.NotFound',
          message: `404 Not Found: the model '${model}' does not exist`,
        });
      } else {
        expect(a.httpStatus).toBe(200);
        expect(a.error).toMatchObject({ name: 'odoo.exceptions.UserError', message: `Object ${model} doesn't exist` });
      }
    }
    const modules = (await rpc.ok('ir.module.module', 'search_read', null, {
      domain: [
        ['name', 'in', ['maintenance', 'mrp_maintenance', 'quality_control']],
        ['state', '=', 'installed'],
      ],
      fields: ['name'],
    })) as { name: string }[];
    expect(modules.map((m) => m.name)).toEqual(['maintenance']);
    const version = await fetch(`${rpc.standin.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'call',
        id: 1,
        params: { service: 'common', method: 'version', args: [] },
      }),
    });
    expect(((await version.json()) as { result: unknown }).result).toMatchObject({ server_version: `${c.version}.0` });
  });

  it('Enterprise: quality models exist; checks and alerts get team, test type, name and state changes', async () => {
    rpc = await start(c, {
      edition: 'enterprise',
      products: [{ default_code: 'FRAME', name: 'Frame' }, { default_code: 'BOLT' }],
    });
    const listed = (await rpc.ok('ir.model', 'search_read', null, {
      domain: [['model', 'in', QUALITY]],
      fields: ['model'],
    })) as {
      model: string;
    }[];
    expect(listed.map((r) => r.model).sort()).toEqual([...QUALITY].sort());
    const version = await fetch(`${rpc.standin.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'call',
        id: 1,
        params: { service: 'common', method: 'version', args: [] },
      }),
    });
    expect(((await version.json()) as { result: unknown }).result).toMatchObject({
      server_version: `${c.version}.0+e`,
      server_version_info: [c.version, 0, 0, 'final', 0, '+e'],
    });
    const [frame, bolt] = (await rpc.ok('product.product', 'search', null, {
      domain: [],
      order: 'default_code desc',
    })) as number[];
    const wo = await (async () => {
      const mo = idOf(
        await rpc.ok('mrp.production', 'create', null, { vals_list: [{ product_id: frame, product_qty: 5 }] }),
      );
      const wc = ((await rpc.ok('mrp.workcenter', 'search', null, { domain: [] })) as number[])[0];
      return {
        mo,
        wo: idOf(
          await rpc.ok('mrp.workorder', 'create', null, {
            vals_list: [{ name: 'op', production_id: mo, workcenter_id: wc }],
          }),
        ),
      };
    })();
    const check = idOf(
      await rpc.ok('quality.check', 'create', null, {
        vals_list: [{ production_id: wo.mo, workorder_id: wo.wo, product_id: frame, measure: 4.2 }],
      }),
    );
    const row = await readOne<Record<string, unknown>>(rpc, 'quality.check', check, [
      'name',
      'team_id',
      'test_type_id',
      'quality_state',
      'workcenter_id',
    ]);
    expect(row).toMatchObject({
      name: 'QC00001',
      team_id: [await ref(rpc, 'quality.quality_alert_team0'), 'Main Quality Team'],
      test_type_id: [await ref(rpc, 'quality_control.test_type_passfail'), 'Pass - Fail'],
      quality_state: 'none',
    });
    expect(await rpc.ok('quality.check', 'write', [check], { vals: { quality_state: 'fail' } })).toBe(true);
    expect(await readOne(rpc, 'quality.check', check, ['quality_state', 'user_id', 'control_date'])).toMatchObject({
      quality_state: 'fail',
      user_id: [rpc.standin.uid, 'Integration User'],
      control_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
    });
    const pass = await rpc.call('quality.check', 'do_pass', [check]);
    expect(pass.error).toBeUndefined();
    if (c.protocol === 'jsonrpc') expect(pass.noResult).toBe(true);
    const wrongProduct = await rpc.call('quality.check', 'create', null, {
      vals_list: [{ production_id: wo.mo, product_id: bolt }],
    });
    expect(wrongProduct.error).toMatchObject({
      name: 'odoo.exceptions.ValidationError',
      message: 'BOLT is not in Production Order WH/MO/00001',
    });
    const wcs = (await rpc.ok('mrp.workcenter', 'search', null, { domain: [] })) as number[];
    const alert = idOf(
      await rpc.ok('quality.alert', 'create', null, {
        vals_list: [
          { name: 'Inspection failed', description: 'x', workcenter_id: wcs[0], production_id: wo.mo, check_id: check },
        ],
      }),
    );
    expect(await readOne(rpc, 'quality.alert', alert, ['stage_id', 'team_id'])).toMatchObject({
      stage_id: [await ref(rpc, 'quality.quality_alert_stage_0'), 'New'],
    });
    // Without a quality team for the company, checks and alerts cannot be made.
    await rpc.ok('quality.alert.team', 'write', [await ref(rpc, 'quality.quality_alert_team0')], {
      vals: { company_id: 1 },
    });
    await rpc.ok('res.company', 'create', null, { vals_list: [{ name: 'Other' }] });
    const otherCompany = await rpc.call('quality.alert', 'create', null, { vals_list: [{ name: 'x', company_id: 2 }] });
    expect(otherCompany.error).toMatchObject({
      name: 'odoo.exceptions.UserError',
      message:
        'No quality teams found for this company! ' +
        'Head over to the configuration menu to create your first quality team.',
    });
  });

  it('fields_get answers for every served model, with the version fields a client detects', async () => {
    rpc = await start(c, { edition: 'enterprise' });
    for (const model of loadSchema(c.version, 'enterprise').keys()) {
      const fields = (await rpc.ok(model, 'fields_get', null, { attributes: ['type'] })) as Record<
        string,
        { type: string }
      >;
      expect(fields['id'], model).toEqual({ type: 'integer' });
    }
    const fg = async (model: string, names: string[]): Promise<string[]> =>
      Object.keys(
        (await rpc!.ok(model, 'fields_get', null, { allfields: names, attributes: ['type'] })) as object,
      ).sort();
    expect(await fg('mrp.production', ['lot_producing_id', 'lot_producing_ids'])).toEqual(
      c.version >= 19 ? ['lot_producing_ids'] : ['lot_producing_id'],
    );
    expect(await fg('maintenance.request', ['schedule_end', 'workcenter_id', 'duration'])).toEqual(
      c.version >= 19 ? ['duration', 'schedule_end', 'workcenter_id'] : ['duration', 'workcenter_id'],
    );
    const line = (await rpc.ok('stock.move.line', 'fields_get', null, {
      allfields: ['package_id'],
      attributes: ['relation'],
    })) as Record<string, { relation: string }>;
    expect(line['package_id']?.relation).toBe(c.version >= 19 ? 'stock.package' : 'stock.quant.package');
    const dur = (await rpc.ok('maintenance.request', 'fields_get', null, {
      allfields: ['duration'],
      attributes: ['readonly', 'store'],
    })) as Record<string, unknown>;
    expect(dur['duration']).toEqual({ readonly: c.version >= 19, store: true });
  });
});
