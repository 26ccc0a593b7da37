// No test is skipped without a word: a test that cannot run (a binary or server missing) fails
// with a message that names what to install, and `npm test` lists every missing prerequisite up
// front (scripts/prerequisites.mjs). This scan keeps skip, skipIf, runIf, todo and only out of test/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TEST_DIR = join(process.cwd(), 'test');
const SELF = fileURLToPath(import.meta.url);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.[cm]?[jt]s$/.test(p) ? [p] : [];
  });
}

// `it.skip(`, `describe.skipIf(`, `test.runIf(`, `it.each(...).skip`, `ctx.skip()`, `it.only(`, `it.todo(`.
const SKIPS = [
  /\b(?:it|test|describe|suite|bench)(?:\.each\([^)]*\))?\.(?:skip|skipIf|runIf|todo|only)\b/,
  /\b(?:ctx|context|t)\.skip\s*\(/,
];

describe('the test tree', () => {
  it('has no skipped, conditional, todo or focused tests', () => {
    const found: string[] = [];
    for (const file of files(TEST_DIR)) {
      if (file === SELF) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (SKIPS.some((re) => re.test(line)))
            found.push(`${relative(process.cwd(), file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found, 'make such a test fail with a message naming what to install instead').toEqual([]);
  });

  it('recognises the forms it forbids', () => {
    const forms = ['it.skip(', 'describe.skipIf(!ok)(', 'test.runIf(x)(', 'it.each([1]).skip(', 'ctx.skip()'];
    for (const form of forms)
      expect(
        SKIPS.some((re) => re.test(form)),
        form,
      ).toBe(true);
    expect(SKIPS.some((re) => re.test("it('skips bad lines', () => {"))).toBe(false);
  });
});
