// docs/semantics.md is the contract of the numbers and lives in the repository: it names every
// reject reason the core gives, keeps the section numbers code comments cite, and nothing points
// outside the repository for it any more.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REJECT_REASONS } from '../../../src/core/mapping.js';

const ROOT = join(import.meta.dirname, '../../..');
const DOC = readFileSync(join(ROOT, 'docs/semantics.md'), 'utf8');
// The old home of the contract, outside the repository (spelled in two parts so this file does not match).
const OLD_HOME = ['shared', 'semantics.md'].join('/');

describe('docs/semantics.md', () => {
  it('documents every reject reason of the core', () => {
    expect(REJECT_REASONS.filter((r) => !DOC.includes(`\`${r}\``))).toEqual([]);
  });

  it('has the numbered sections code comments cite, and the reserved ones', () => {
    const headings = [...DOC.matchAll(/^## (\d+)\. (.+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(headings).toEqual([
      '1 Raw input: tag samples',
      '2 Canonical machine states',
      '3 Time, intervals and silence',
      '4 Counters',
      '5 Shifts',
      '6 Event time, lateness and corrections',
      '7 Window and shift summaries',
      '8 Posting to Odoo',
      '9 Milestones (the critical lane)',
      '10 Order tagging',
      '11 Order attribution',
      '12 Maintenance from downtime and planned maintenance',
      '13 Material',
    ]);
    // Every "docs/semantics.md section N" in the tree names one of them.
    const tracked = execFileSync('git', ['ls-files', 'src', 'test', 'docs'], { cwd: ROOT, encoding: 'utf8' });
    for (const file of tracked.split('\n').filter((f) => /\.(ts|md)$/.test(f))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/semantics\.md sections? ([\d, and]+)/g))
        for (const n of m[1]!.match(/\d+/g) ?? []) expect(Number(n), file).toBeLessThanOrEqual(headings.length);
    }
  });

  it('is where the README and the sources point, not a file outside the repository', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('[docs/semantics.md](docs/semantics.md)');
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const outside = tracked
      .filter((f) => /\.(ts|mjs|md|avsc|ya?ml)$/.test(f))
      .filter((f) => readFileSync(join(ROOT, f), 'utf8').includes(OLD_HOME));
    expect(outside).toEqual([]);
  });
});
