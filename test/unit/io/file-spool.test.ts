// FileSpool on a real temp directory: order, cursor only on ack, rewind, segments rolled and
// deleted once acknowledged, a torn tail cut at reopen, and the size/age bounds with their drops.
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSpool } from '../../../src/io/spool/file-spool.js';
import type { SpoolDrop, SpoolRecord } from '../../../src/ports/spool.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spool-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const recs = (from: number, n: number): SpoolRecord[] =>
  Array.from({ length: n }, (_, i) => ({ key: `T${(from + i) % 7}`, value: Buffer.from(`value-${from + i}`) }));
const values = (rs: readonly { value: Buffer }[]): string[] => rs.map((r) => r.value.toString());

describe('FileSpool', () => {
  it('reads in order, moves the cursor only on ack, and resumes from it after a reopen', async () => {
    const dir = join(root, 'order');
    const s = await FileSpool.open({ dir, segmentBytes: 400 });
    await s.append(recs(0, 30));
    await s.append(recs(30, 30));
    expect(s.stats(Date.now()).depth).toBe(60);
    const a = await s.read(25);
    expect(values(a)).toEqual(values(recs(0, 25)));
    expect(a.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    s.rewind(); // the send failed
    expect(values(await s.read(10))).toEqual(values(recs(0, 10)));
    await s.ack(9);
    expect(values(await s.read(5))).toEqual(values(recs(10, 5)));
    await s.close();
    // Reopen: read 10..14 were never acknowledged, so they come again.
    const again = await FileSpool.open({ dir, segmentBytes: 400 });
    expect(again.stats(Date.now()).depth).toBe(50);
    const rest = await again.read(1000);
    expect(values(rest)).toEqual(values(recs(10, 50)));
    expect((await readdir(dir)).filter((n) => n.endsWith('.log')).length).toBe(2); // one append never splits
    await again.ack(rest[rest.length - 1]!.seq);
    expect(again.stats(Date.now())).toMatchObject({ depth: 0, oldestAgeMs: null });
    expect((await readdir(dir)).filter((n) => n.endsWith('.log'))).toHaveLength(1); // only the active one
    expect(values(await again.tail(3))).toEqual(values(recs(57, 3)));
    await again.append(recs(60, 2));
    expect(values(await again.read(10))).toEqual(values(recs(60, 2)));
    await again.close();
  });

  it('cuts a torn tail at reopen (a crash mid-write) and keeps every whole record', async () => {
    const dir = join(root, 'torn');
    const s = await FileSpool.open({ dir });
    await s.append(recs(0, 5));
    await s.close();
    const [seg] = (await readdir(dir)).filter((n) => n.endsWith('.log'));
    await appendFile(join(dir, seg!), Buffer.from([40, 0, 0, 0, 1, 2, 3])); // half a record
    const again = await FileSpool.open({ dir });
    expect(values(await again.read(100))).toEqual(values(recs(0, 5)));
    await again.append(recs(5, 1));
    expect(values(await again.read(100))).toEqual(values(recs(5, 1)));
    await again.close();
  });

  it('at maxBytes drops the oldest segments and says what and why', async () => {
    const dir = join(root, 'bound');
    const drops: SpoolDrop[] = [];
    const s = await FileSpool.open({ dir, segmentBytes: 300, maxBytes: 900, onDrop: (d) => drops.push(d) });
    for (let i = 0; i < 20; i++) await s.append(recs(i * 5, 5));
    expect(drops.length).toBeGreaterThan(0);
    expect(drops[0]).toMatchObject({ reason: 'max-bytes', fromSeq: 0 });
    const lost = drops.reduce((a, d) => a + d.records, 0);
    const kept = await s.read(1000);
    expect(kept.length + lost).toBe(100);
    expect(values(kept)).toEqual(values(recs(lost, 100 - lost))); // the newest, in order
    expect(s.stats(Date.now()).bytes).toBeLessThanOrEqual(900 + 300);
    await s.close();
  });

  it('drops segments older than maxAgeMs', async () => {
    const dir = join(root, 'age');
    let now = 1_000_000;
    const drops: SpoolDrop[] = [];
    const s = await FileSpool.open({
      dir,
      segmentBytes: 200,
      maxAgeMs: 60_000,
      now: () => now,
      onDrop: (d) => drops.push(d),
    });
    await s.append(recs(0, 10));
    now += 120_000;
    await s.append(recs(10, 10));
    expect(drops.map((d) => d.reason)).toContain('max-age');
    const kept = await s.read(100);
    expect(kept[kept.length - 1]!.value.toString()).toBe('value-19');
    expect(kept.length + drops.reduce((a, d) => a + d.records, 0)).toBe(20);
    await s.close();
  });
});
