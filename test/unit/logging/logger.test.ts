import { describe, expect, it } from 'vitest';
import {
  childLogger,
  componentLogger,
  createLogger,
  formatPrettyLine,
  partitionLogger,
  REDACTED,
  workCenterLogger,
} from '../../../src/logging/index.js';

function capture(): { lines: string[]; records: () => Record<string, unknown>[]; write(s: string): void } {
  const lines: string[] = [];
  return {
    lines,
    write(s: string) {
      lines.push(s);
    },
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with a level label, epoch-ms time and message', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out, base: { service: 'shiftstream' } });
    log.info({ durationMs: 12 }, 'window closed');
    log.debug('not written at info');
    const [rec, ...rest] = out.records();
    expect(rest).toHaveLength(0);
    expect(rec).toMatchObject({ level: 'info', msg: 'window closed', durationMs: 12, service: 'shiftstream' });
    expect(typeof rec?.['time']).toBe('number');
    expect(rec).not.toHaveProperty('pid');
  });

  it('redacts secrets at the top level, nested, in config objects and in headers', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out });
    log.info(
      {
        apiKey: 'k1',
        password: 'p1',
        sasl: { mechanism: 'plain', username: 'u', password: 'p2' },
        kafka: { sasl: { password: 'p3' } },
        config: {
          kafka: { sasl: { password: 'p4' } },
          odoo: { apiKey: 'k2', url: 'https://odoo' },
          redis: { password: 'p5' },
          registry: { password: 'p6' },
        },
        headers: { authorization: 'Bearer t1', accept: 'json' },
        req: { headers: { authorization: 'Basic t2' } },
      },
      'connecting',
    );
    const line = out.lines[0] ?? '';
    for (const secret of ['k1', 'k2', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'Bearer t1', 'Basic t2'])
      expect(line).not.toContain(`"${secret}"`);
    const rec = out.records()[0] as Record<string, any>;
    expect(rec['apiKey']).toBe(REDACTED);
    expect(rec['sasl']).toEqual({ mechanism: 'plain', username: 'u', password: REDACTED });
    expect(rec['config'].odoo).toEqual({ apiKey: REDACTED, url: 'https://odoo' });
    expect(rec['headers']).toEqual({ authorization: REDACTED, accept: 'json' });
  });

  it('serializes errors under err with type, message, stack and own fields', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out });
    const err = Object.assign(new Error('redis down'), { code: 'SHIFTSTREAM_REDIS' });
    log.error({ err }, 'checkpoint failed');
    const rec = out.records()[0] as Record<string, any>;
    expect(rec['err']).toMatchObject({ type: 'Error', message: 'redis down', code: 'SHIFTSTREAM_REDIS' });
    expect(rec['err'].stack).toContain('redis down');
  });

  it('refuses an unknown level, naming the allowed ones', () => {
    expect(() => createLogger({ level: 'verbose' as never, destination: capture() })).toThrow(
      /level must be one of fatal, error, warn, info, debug, trace, silent; found 'verbose'/,
    );
  });

  it('writes nothing at level silent', () => {
    const out = capture();
    createLogger({ level: 'silent', destination: out }).fatal('x');
    expect(out.lines).toHaveLength(0);
  });
});

describe('child loggers', () => {
  it('carry the id fields with the house spelling and leave out undefined ones', () => {
    const out = capture();
    const root = createLogger({ level: 'info', destination: out });
    partitionLogger(root, 'raw-samples', 3, 'plant-a').info('assigned');
    workCenterLogger(root, 'plant-a', 'PRESS-LINE-1').info('shift closed');
    componentLogger(root, 'odoo-writer', { plantId: 'plant-a' }).info('batch posted');
    childLogger(root, { topic: 't' }).info('x');
    const [a, b, c, d] = out.records();
    expect(a).toMatchObject({ plantId: 'plant-a', topic: 'raw-samples', partition: 3 });
    expect(b).toMatchObject({ plantId: 'plant-a', workCenterId: 'PRESS-LINE-1' });
    expect(c).toMatchObject({ component: 'odoo-writer', plantId: 'plant-a' });
    expect(d).toMatchObject({ topic: 't' });
    expect(d).not.toHaveProperty('plantId');
    expect(d).not.toHaveProperty('partition');
  });

  it('redact secrets passed to a child', () => {
    const out = capture();
    const root = createLogger({ level: 'info', destination: out });
    componentLogger(root, 'kafka').info({ sasl: { password: 'hunter2' } }, 'connect');
    expect(out.lines[0]).not.toContain('hunter2');
  });
});

describe('pretty output', () => {
  it('prints time, level, message, fields and an indented error stack', () => {
    const out = capture();
    const log = createLogger({ level: 'info', pretty: true, destination: out });
    log.warn({ topic: 'raw', partition: 2, note: 'has space' }, 'lagging');
    log.error({ err: new Error('boom') }, 'failed');
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}lagging topic=raw partition=2 note="has space"\n$/);
    expect(out.lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR failed\n {4}Error: boom\n {4}\s+at /);
  });

  it('passes through lines that are not JSON', () => {
    expect(formatPrettyLine('plain text')).toBe('plain text\n');
  });

  it('still redacts', () => {
    const out = capture();
    createLogger({ level: 'info', pretty: true, destination: out }).info({ apiKey: 'abc123' }, 'x');
    expect(out.lines[0]).toContain(`apiKey=${REDACTED}`);
    expect(out.lines[0]).not.toContain('abc123');
  });
});
