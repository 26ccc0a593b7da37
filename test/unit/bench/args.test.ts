// The bench scripts' command line (bench/lib/args.mjs): `--help` prints the usage and exits 0, a bad
// option says what was wrong and exits 2, instead of a parseArgs stack trace.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module of the bench, without types
import { headerComment, optionLines } from '../../../bench/lib/args.mjs';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BENCH = join(ROOT, 'bench');

describe('bench command lines', () => {
  it('headerComment keeps the leading comment block without the shebang or the markers', () => {
    expect(headerComment('#!/usr/bin/env node\n// one\n//\n// two\nimport x from "y";\n// not this')).toBe(
      'one\n\ntwo',
    );
    expect(headerComment('import x from "y";')).toBe('');
  });

  it('optionLines names each option, its value and its default', () => {
    expect(
      optionLines({
        rounds: { type: 'string', default: '2' },
        stalls: { type: 'boolean' },
        v: { type: 'string', multiple: true },
      }),
    ).toEqual(['  --rounds <value>  (default: "2")', '  --stalls', '  --v <value> (repeatable)']);
  });

  it('every script that parses options goes through benchArgs (no bare parseArgs)', () => {
    const scripts = readdirSync(BENCH).filter((f) => f.endsWith('.mjs'));
    const bare = scripts.filter((f) => /\bparseArgs\(/.test(readFileSync(join(BENCH, f), 'utf8')));
    expect(bare).toEqual([]);
  });

  it('run.mjs --help prints its usage and options and exits 0', () => {
    const out = execFileSync(process.execPath, [join(BENCH, 'run.mjs'), '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toContain('npm run bench:full');
    expect(out).toContain('Usage: node bench/run.mjs [options]');
    expect(out).toContain('  --only <value>');
  });

  it('an unknown option says which and how to get help, exit 2, no stack trace', () => {
    const r = spawnSync(process.execPath, [join(BENCH, 'rdkafka-ab.mjs'), '--bogus'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("bench/rdkafka-ab.mjs: Unknown option '--bogus'");
    expect(r.stderr).toContain('--help');
    expect(r.stderr).not.toContain('at parseArgs');
  });
});
