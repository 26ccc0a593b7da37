import { describe, expect, it } from 'vitest';
import { OdooError } from '../../../../src/errors.js';
import { createOdooClient } from '../../../../src/io/odoo/client.js';
import type { HttpAnswer, Transport } from '../../../../src/io/odoo/transport.js';

interface Sent {
  method: string;
  path: string;
  body: unknown;
  headers: Readonly<Record<string, string>>;
}

/** A transport that answers from a queue and records what was sent. */
function fakeTransport(answers: (HttpAnswer | Error)[]): Transport & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    baseUrl: 'http://odoo.test',
    timeoutMs: 1_000,
    sent,
    async request(method, path, body, headers) {
      sent.push({ method, path, body: body === undefined ? undefined : JSON.parse(body), headers });
      const a = answers.shift();
      if (a === undefined) throw new Error('no canned answer left');
      if (a instanceof Error) throw a;
      return a;
    },
    close() {},
  };
}

const ok = (result: unknown): HttpAnswer => ({ status: 200, body: JSON.stringify({ jsonrpc: '2.0', id: 1, result }) });
const rpcError = (name: string, message: string, code = 200): HttpAnswer => ({
  status: 200,
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    error: {
      code,
      message: 'Odoo Server Error',
      data: { name, message, arguments: [message], context: {}, debug: 'Traceback...' },
    },
  }),
});
const j2Error = (status: number, name: string, message: string): HttpAnswer => ({
  status,
  body: JSON.stringify({ name, message, arguments: [message], context: {}, debug: '' }),
});
const noRetry = { initialMs: 1, maxMs: 1, multiplier: 1, maxAttempts: 1 };

function rpcClient(answers: (HttpAnswer | Error)[]) {
  const transport = fakeTransport([ok(2), ...answers]);
  const client = createOdooClient({
    url: 'http://odoo.test',
    db: 'db',
    login: 'bot',
    apiKey: 'secret-key',
    protocol: 'jsonrpc',
    timeoutMs: 1_000,
    transport,
    readRetry: noRetry,
  });
  return { client, transport };
}

function json2Client(answers: (HttpAnswer | Error)[]) {
  const transport = fakeTransport(answers);
  const client = createOdooClient({
    url: 'http://odoo.test',
    db: 'db',
    login: 'bot',
    apiKey: 'secret-key',
    protocol: 'json2',
    timeoutMs: 1_000,
    transport,
    readRetry: noRetry,
  });
  return { client, transport };
}

async function caught(p: Promise<unknown>): Promise<OdooError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OdooError) return err;
    throw err;
  }
  throw new Error('expected an OdooError, the call succeeded');
}

describe('JSON-RPC error mapping', () => {
  it.each([
    ['odoo.exceptions.ValidationError', 'SHIFTSTREAM_ODOO_VALIDATION', false],
    ['odoo.exceptions.UserError', 'SHIFTSTREAM_ODOO_VALIDATION', false],
    ['odoo.exceptions.AccessError', 'SHIFTSTREAM_ODOO_ACCESS', false],
    ['odoo.exceptions.AccessDenied', 'SHIFTSTREAM_ODOO_AUTH', false],
    ['odoo.exceptions.MissingError', 'SHIFTSTREAM_ODOO_MISSING', false],
    ['builtins.AttributeError', 'SHIFTSTREAM_ODOO_MISSING', false],
    ['psycopg2.errors.SerializationFailure', 'SHIFTSTREAM_ODOO_CONCURRENCY', true],
    ['builtins.KeyError', 'SHIFTSTREAM_ODOO_SERVER', true],
  ] as const)('%s -> %s (retryable %s), keeping name and message', async (name, code, retryable) => {
    const { client } = rpcClient([rpcError(name, 'the message')]);
    const err = await caught(client.create('mrp.workcenter.productivity', [{ a: 1 }]));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.details).toMatchObject({
      protocol: 'jsonrpc',
      model: 'mrp.workcenter.productivity',
      method: 'create',
      odooName: name,
      odooMessage: 'the message',
    });
    expect(err.message).toContain('mrp.workcenter.productivity.create');
  });

  it(
    'sends execute_kw with the key in the password slot ' + 'and vals_list positional; missing result is null',
    async () => {
      const { client, transport } = rpcClient([ok([5, 6]), { status: 200, body: '{"jsonrpc":"2.0","id":3}' }]);
      expect(await client.create('m', [{ a: 1 }, { a: 2 }])).toEqual([5, 6]);
      expect(await client.callMethod('m', 'button_start', [5])).toBeNull();
      expect(transport.sent[0]?.body).toMatchObject({
        params: { service: 'common', method: 'authenticate', args: ['db', 'bot', 'secret-key', {}] },
      });
      expect(transport.sent[1]?.body).toMatchObject({
        params: {
          service: 'object',
          method: 'execute_kw',
          args: ['db', 2, 'secret-key', 'm', 'create', [[{ a: 1 }, { a: 2 }]], {}],
        },
      });
      expect(transport.sent[2]?.body).toMatchObject({
        params: { args: ['db', 2, 'secret-key', 'm', 'button_start', [[5]], {}] },
      });
    },
  );

  it('accepts an int from create (single dict form) as one id', async () => {
    const { client } = rpcClient([ok(9)]);
    expect(await client.create('m', [{ a: 1 }])).toEqual([9]);
  });

  it('refused authenticate (false) is an auth error naming db and login, not the key', async () => {
    const transport = fakeTransport([ok(false)]);
    const client = createOdooClient({
      url: 'http://odoo.test',
      db: 'db',
      login: 'bot',
      apiKey: 'secret-key',
      protocol: 'jsonrpc',
      timeoutMs: 1_000,
      transport,
      readRetry: noRetry,
    });
    const err = await caught(client.authenticate());
    expect(err.code).toBe('SHIFTSTREAM_ODOO_AUTH');
    expect(err.message).toContain('"bot"');
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('secret-key');
  });

  it('HTTP 400 "Invalid JSON data" and network errors', async () => {
    const { client } = rpcClient([
      { status: 400, body: 'Invalid JSON data' },
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ]);
    expect((await caught(client.unlink('m', [1]))).code).toBe('SHIFTSTREAM_ODOO_PROTOCOL');
    const net = await caught(client.unlink('m', [1]));
    expect(net.code).toBe('SHIFTSTREAM_ODOO_NETWORK');
    expect(net.retryable).toBe(true);
    expect(net.details).toMatchObject({ errno: 'ECONNRESET', timedOut: false });
  });

  it('timeouts are retryable network errors', async () => {
    const { client } = rpcClient([
      Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }),
    ]);
    const err = await caught(client.write('m', [1], { a: 1 }));
    expect(err).toMatchObject({ code: 'SHIFTSTREAM_ODOO_NETWORK', retryable: true });
    expect(err.details['timedOut']).toBe(true);
  });
});

describe('JSON-2 error mapping', () => {
  it.each([
    [401, 'werkzeug.exceptions.Unauthorized', 'SHIFTSTREAM_ODOO_AUTH', false],
    [403, 'odoo.exceptions.AccessError', 'SHIFTSTREAM_ODOO_ACCESS', false],
    [404, 'odoo.exceptions.MissingError', 'SHIFTSTREAM_ODOO_MISSING', false],
    [409, 'odoo.exceptions.LockError', 'SHIFTSTREAM_ODOO_CONCURRENCY', true],
    [422, 'odoo.exceptions.ValidationError', 'SHIFTSTREAM_ODOO_VALIDATION', false],
    [500, 'psycopg2.errors.SerializationFailure', 'SHIFTSTREAM_ODOO_CONCURRENCY', true],
    [500, 'builtins.ZeroDivisionError', 'SHIFTSTREAM_ODOO_SERVER', true],
  ] as const)('HTTP %i %s -> %s', async (status, name, code, retryable) => {
    const { client } = json2Client([j2Error(status, name, 'msg')]);
    const err = await caught(client.write('m', [1], { a: 1 }));
    expect(err).toMatchObject({ code, retryable });
    expect(err.details).toMatchObject({ protocol: 'json2', httpStatus: status, odooName: name, odooMessage: 'msg' });
  });

  it('a proxy 502/503 page is a retryable network error', async () => {
    const { client } = json2Client([{ status: 503, body: '<html>Service Unavailable</html>' }]);
    expect(await caught(client.unlink('m', [1]))).toMatchObject({ code: 'SHIFTSTREAM_ODOO_NETWORK', retryable: true });
  });

  it('sends params by name with a bearer key and ids for record methods', async () => {
    const { client, transport } = json2Client([
      { status: 200, body: '[7]' },
      { status: 200, body: 'true' },
      { status: 200, body: '[]' },
    ]);
    expect(await client.create('mrp.workcenter.productivity', [{ a: 1 }])).toEqual([7]);
    expect(await client.write('m', [7], { b: 2 })).toBe(true);
    expect(await client.searchRead('m', [['a', '=', 1]], ['id'], { limit: 5 })).toEqual([]);
    expect(transport.sent.map((s) => [s.path, s.body])).toEqual([
      ['/json/2/mrp.workcenter.productivity/create', { vals_list: [{ a: 1 }] }],
      ['/json/2/m/write', { ids: [7], vals: { b: 2 } }],
      ['/json/2/m/search_read', { domain: [['a', '=', 1]], fields: ['id'], limit: 5 }],
    ]);
    expect(transport.sent[0]?.headers).toMatchObject({ authorization: 'bearer secret-key', 'x-odoo-database': 'db' });
  });

  it('retries reads but never writes', async () => {
    const transport = fakeTransport([
      { status: 503, body: '' },
      { status: 200, body: '[1]' },
      { status: 503, body: '' },
    ]);
    const client = createOdooClient({
      url: 'http://odoo.test',
      db: 'db',
      login: 'bot',
      apiKey: 'k',
      protocol: 'json2',
      timeoutMs: 1_000,
      transport,
      readRetry: { initialMs: 1, maxMs: 1, multiplier: 1, maxAttempts: 3 },
      sleep: async () => undefined,
    });
    expect(await client.search('m', [])).toEqual([1]);
    await expect(client.create('m', [{}])).rejects.toMatchObject({ code: 'SHIFTSTREAM_ODOO_NETWORK' });
    expect(transport.sent).toHaveLength(3);
  });
});

describe('client context', () => {
  for (const protocol of ['jsonrpc', 'json2'] as const) {
    it(`${protocol}: a call's own context keys are kept and win over the client's default context`, async () => {
      const transport = fakeTransport(protocol === 'jsonrpc' ? [ok(2), ok(true)] : [ok({ uid: 2 }), ok(true)]);
      const client = createOdooClient({
        url: 'http://odoo.test',
        db: 'db',
        login: 'bot',
        apiKey: 'secret-key',
        protocol,
        timeoutMs: 1_000,
        transport,
        readRetry: noRetry,
        context: { tz: 'UTC', lang: 'en_US', skip_backorder: false },
      });
      await client.callMethod('stock.picking', 'button_validate', [7], {
        context: { skip_backorder: true, picking_ids_not_to_backorder: [7] },
      });
      const last = transport.sent.at(-1)!.body as Record<string, unknown>;
      const ctx =
        protocol === 'jsonrpc'
          ? ((last['params'] as { args: unknown[] }).args[6] as { context: unknown }).context
          : (last as { context: unknown }).context;
      expect(ctx).toEqual({ tz: 'UTC', lang: 'en_US', skip_backorder: true, picking_ids_not_to_backorder: [7] });
    });
  }
});
