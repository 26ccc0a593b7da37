// The Odoo service commands: --help with examples, and clear usage errors before touching servers.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { postSourceOptions, sessionTimeoutFlag } from '../../../src/cli/commands/post.js';
import { POSTING_KINDS } from '../../../src/cli/posting-kinds.js';

function capture(): Writable & { text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return Object.assign(w, { text: () => text });
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, { stdout, stderr, env: {}, cwd: process.cwd(), signal: new AbortController().signal });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('odoo service commands', () => {
  it.each([['post'], ['dlq'], ['reconcile'], ['orders']])('%s --help shows usage and examples', async (name) => {
    const r = await run([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: shiftstream ${name}`));
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('--topology <file>');
  });

  it.each([
    [['post'], /post: expected --topology <file>, found none/],
    [['post', '--topology', 'x.yaml', '--batch-size', '3'], /post: Unknown option '--batch-size'/],
    [['dlq'], /dlq: expected the subcommand 'replay', found none/],
    [['dlq', 'replay-all'], /dlq: expected the subcommand 'replay', found 'replay-all'/],
    [['orders', 'pull'], /orders: expected the subcommand 'sync', found 'pull'/],
    [
      ['post', '--topology', 'topologies/stamping-berlin.yaml', '--kind', 'orderz'],
      new RegExp(`post --kind: expected one of ${POSTING_KINDS.map((k) => k.name).join(', ')}, found "orderz"`),
    ],
    [
      ['post', '--topology', 'topologies/stamping-berlin.yaml', '--milestones', '--kind', 'shifts'],
      /post: --milestones is an alias of --kind milestones, found it with --kind shifts/,
    ],
    [
      ['post', '--topology', 'topologies/stamping-berlin.yaml', '--quantity-field', 'qty_producing'],
      /post --quantity-field: expected an option of --kind shifts, found one of --kind milestones/,
    ],
    [
      ['post', '--topology', 'topologies/stamping-berlin.yaml', '--milestones', '--batch-count', '5'],
      /post --batch-count: expected an option of --kind milestones, found one of --kind shifts/,
    ],
    [
      ['post', '--topology', 'topologies/stamping-berlin.yaml', '--kind', 'milestones', '--quantity-field', 'qty'],
      /post --quantity-field: expected qty_produced or qty_producing, found "qty"/,
    ],
    [
      ['post', '--topology', 'topologies/stamping-berlin.yaml', '--session-timeout', 'soon'],
      /post --session-timeout: expected a duration like 6s or 10000ms, found "soon"/,
    ],
    [
      ['post', '--topology', 'topologies/stamping-berlin.yaml', '--session-timeout', '0ms'],
      /post --session-timeout: expected a duration like 6s or 10000ms, found "0ms"/,
    ],
    [
      ['post', '--topology', 'topologies/stamping-berlin.yaml', '--batch-count', '0'],
      /post --batch-count: expected a positive integer, found "0"/,
    ],
    [
      [
        'reconcile',
        '--topology',
        'topologies/stamping-berlin.yaml',
        '--kind',
        'milestones',
        '--from',
        '1',
        '--to',
        '2',
      ],
      new RegExp(
        `reconcile --kind: expected one of ${POSTING_KINDS.filter((k) => k.reconcile !== undefined)
          .map((k) => k.name)
          .join(', ')}, found "milestones"`,
      ),
    ],
    [
      ['reconcile', '--topology', 'topologies/stamping-berlin.yaml', '--from', 'yesterday', '--to', '2026-03-02'],
      /reconcile --from: expected an ISO 8601 time such as 2026-03-02T06:00:00Z \(or epoch ms\), found "yesterday"/,
    ],
    [
      ['reconcile', '--topology', 'topologies/stamping-berlin.yaml', '--from', '2026-03-02', '--to', '2026-03-01'],
      /--to \(2026-03-01T00:00:00.000Z\) must be after --from/,
    ],
  ])('%j fails with exit 2 and says what was expected', async (argv, message) => {
    const r = await run(argv);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('post --help lists every registered kind, its options, and the --milestones alias', async () => {
    const r = await run(['post', '--help']);
    for (const kind of POSTING_KINDS) {
      expect(r.out).toContain(`  ${kind.name}  `);
      expect(r.out).toContain(kind.summary);
      for (const flag of Object.keys(kind.flags)) expect(r.out).toContain(`--${flag} `);
    }
    expect(r.out).toContain('--milestones             alias of --kind milestones');
    expect(r.out).toContain('(default) final shift summaries');
  });

  it('post without Odoo configured fails with a configuration error naming the settings', async () => {
    const r = await run(['post', '--topology', 'topologies/stamping-berlin.yaml', '--http.port=0']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('post: expected Odoo to be configured (SHIFTSTREAM_ODOO__URL');
  });

  it('post --session-timeout is parsed as a duration and handed to the Kafka consumer', async () => {
    expect(sessionTimeoutFlag('post', '6s')).toBe(6_000);
    expect(sessionTimeoutFlag('post', '7500ms')).toBe(7_500);
    expect(sessionTimeoutFlag('post', undefined)).toBeUndefined();
    expect(postSourceOptions('g', ['t1', 't2'], 6_000)).toEqual({
      groupId: 'g',
      topics: ['t1', 't2'],
      sessionTimeoutMs: 6_000,
    });
    // Not given: no key at all, so the adapter's own default (10 s) applies.
    expect(postSourceOptions('g', ['t1'], undefined)).toEqual({ groupId: 'g', topics: ['t1'] });
    expect((await run(['post', '--help'])).out).toContain('--session-timeout <dur>');
    // A valid value passes flag parsing: the run gets as far as the missing Odoo configuration (any free port).
    const r = await run([
      'post',
      '--topology',
      'topologies/stamping-berlin.yaml',
      '--session-timeout',
      '6s',
      '--http.port=0',
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toContain('post: expected Odoo to be configured');
  });
});
