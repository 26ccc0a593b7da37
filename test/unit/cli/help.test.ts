import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { main } from '../../../src/cli/main.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), text: () => text };
}

describe('CLI', () => {
  it('each entry of the lazy command list loads the command of its name', async () => {
    for (const c of COMMANDS) expect((await c.load()).name).toBe(c.name);
  });

  it.each(COMMANDS.map((c) => [c.name]))('%s --help prints usage and examples and exits 0', async (name) => {
    const out = sink();
    expect(
      await main([name, '--help'], { stdout: out.stream, stderr: sink().stream, signal: new AbortController().signal }),
    ).toBe(0);
    expect(out.text()).toMatch(/Usage: shiftstream /);
    expect(out.text()).toMatch(/Examples?:/);
  });

  it('lists every command, and an unknown command exits 2 naming the known ones', async () => {
    const out = sink();
    expect(
      await main(['--help'], { stdout: out.stream, stderr: sink().stream, signal: new AbortController().signal }),
    ).toBe(0);
    for (const c of COMMANDS) expect(out.text()).toContain(c.name);
    const err = sink();
    expect(
      await main(['frobnicate'], { stdout: sink().stream, stderr: err.stream, signal: new AbortController().signal }),
    ).toBe(2);
    expect(err.text()).toContain("unknown command 'frobnicate'");
    expect(err.text()).toContain('demo');
  });
});
