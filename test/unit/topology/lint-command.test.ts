// `shiftstream lint` through the CLI entry point.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

const ROOT = join(import.meta.dirname, '../../..');
const FIX = 'test/fixtures/topologies';

function sink(): Writable & { text: () => string } {
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

async function lint(args: string[], cwd = ROOT): Promise<{ code: number; out: string; err: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(['lint', ...args], { stdout, stderr, cwd, env: {}, signal: new AbortController().signal });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('shiftstream lint', () => {
  const empty = mkdtempSync(join(tmpdir(), 'lint-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('checks every shipped topology by default and exits 0', async () => {
    const r = await lint([]);
    expect(r).toEqual({ code: 0, out: '2 files checked: 0 errors, 0 warnings\n', err: '' });
  });

  it('prints one line per problem with file, path, line and rule, and exits 1 on errors', async () => {
    const r = await lint([`${FIX}/grace-lt-smallest-window.yaml`, `${FIX}/counters-named.yaml`]);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')).toEqual([
      `${FIX}/grace-lt-smallest-window.yaml /windows/0 (line 35): grace-lt-smallest-window: graceMs ` +
        `(900000) must be smaller than sizeMs (300000) of window '5m': expected grace < 5m, found 15m`,
      expect.stringMatching(
        new RegExp(
          `^${FIX}/counters-named.yaml /workCenters/press-01 \\(line 11\\): ` +
            `counters-named \\(warning\\): work center 'press-01' counts 'parts'`,
        ),
      ),
      '2 files checked: 1 error, 1 warning',
      '',
    ]);
  });

  it('exits 0 when there are only warnings', async () => {
    const r = await lint([`${FIX}/down-needs-reason.yaml`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('down-needs-reason (warning)');
  });

  it('--format json gives every problem as an object', async () => {
    const r = await lint(['--format', 'json', `${FIX}/unknown-work-center.yaml`, 'topologies/stamping-berlin.yaml']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as {
      files: unknown[];
      problems: Record<string, unknown>[];
      errors: number;
      warnings: number;
    };
    expect(json.errors).toBe(2);
    expect(json.warnings).toBe(1);
    expect(json.files).toEqual([
      { file: `${FIX}/unknown-work-center.yaml`, errors: 2, warnings: 1 },
      { file: 'topologies/stamping-berlin.yaml', errors: 0, warnings: 0 },
    ]);
    expect(json.problems).toContainEqual({
      file: `${FIX}/unknown-work-center.yaml`,
      path: '/machines/press-01/workCenter',
      line: 18,
      column: 17,
      rule: 'unknown-work-center',
      severity: 'error',
      message:
        "machine 'press-01' names work center 'press-1': expected " +
        "one of 'press-01', found 'press-1' (did you mean 'press-01'?)",
    });
    expect((await lint(['--format=json', 'topologies/stamping-berlin.yaml'])).code).toBe(0);
  });

  it('exits 2 for an unreadable file, a bad flag, or no topologies directory', async () => {
    const missing = await lint(['topologies/nope.yaml', 'topologies/stamping-berlin.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/topology .*nope\.yaml: expected a readable file, found: ENOENT/);
    expect(missing.out).toBe('2 files checked: 0 errors, 0 warnings, 1 unreadable\n');
    const flag = await lint(['--strict']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("lint: expected --format or topology files, found '--strict'");
    expect((await lint(['--format', 'xml'])).err).toContain("lint --format: expected text or json, found 'xml'");
    const none = await lint([], empty);
    expect(none.code).toBe(2);
    expect(none.err).toContain('expected topology files as arguments or a topologies/ directory');
  });

  it('--help shows usage, rules and examples', async () => {
    const r = await lint(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: shiftstream lint');
    expect(r.out).toContain('odoo-mapping-complete');
    expect(r.out).toContain('shiftstream lint topologies/stamping-berlin.yaml');
  });
});
