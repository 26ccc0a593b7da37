// The shift report rendered by headless Chromium (Debian's `chromium` package): the page loads from
// file://, the timelines and work-center names are in the DOM, and a full-page screenshot is a real
// PNG with non-uniform pixels.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../../scripts/prerequisites.mjs';
import { main } from '../../../src/cli/main.js';
import { runFixture, runOrdersFixture, toNdjson } from '../../unit/report/fixture.js';

/** The same lookup as the prerequisites check of npm test (CHROMIUM_PATH, else chromium on PATH). */
function requireChromium(): string {
  const found = findChromium();
  if (found === null) {
    throw new Error(
      'report screenshot test: expected Chromium (CHROMIUM_PATH, or chromium on PATH), found none. ' +
        "Install Debian's package: 'apt-get install -y chromium fonts-liberation fonts-dejavu-core'; " +
        "macOS: 'brew install --cask chromium' and set CHROMIUM_PATH. node scripts/prerequisites.mjs checks it.",
    );
  }
  return found;
}

interface Png {
  width: number;
  height: number;
  /** Distinct RGB colours among the sampled pixels. */
  distinctColours: number;
}

/** Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) far enough to count colours. */
function inspectPng(buf: Buffer): Png {
  expect(
    buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    'PNG signature',
  ).toBe(true);
  let off = 8;
  let width = 0;
  let height = 0;
  let colourType = -1;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8], 'bit depth').toBe(8);
      colourType = data[9]!;
      expect(data[12], 'interlace').toBe(0);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  expect([2, 6], 'colour type RGB or RGBA').toContain(colourType);
  const bpp = colourType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  expect(raw.length).toBe(height * (stride + 1));
  // Undo the PNG filters row by row (Sub, Up, Average, Paeth).
  const img = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? img[y * stride + x - bpp]! : 0;
      const b = y > 0 ? img[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? img[(y - 1) * stride + x - bpp]! : 0;
      let v = src[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      img[y * stride + x] = v & 0xff;
    }
  }
  const colours = new Set<number>();
  for (let y = 0; y < height; y += 3) {
    for (let x = 0; x < width; x += 3) {
      const i = y * stride + x * bpp;
      colours.add((img[i]! << 16) | (img[i + 1]! << 8) | img[i + 2]!);
    }
  }
  return { width, height, distinctColours: colours.size };
}

describe('shift report in headless Chromium', () => {
  let dir: string;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shiftstream-report-'));
  });

  afterAll(async () => {
    await context?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders timelines and work-center names, and screenshots to a real, non-uniform PNG', async () => {
    const executablePath = requireChromium();

    // Input: shift summaries from the real core, with an earlier revision that must be replaced.
    const run = runFixture({ plantId: 'stamping-berlin' });
    const early = run.shifts.filter((s) => s.windowId === '2026-03-10/early');
    expect(early.map((s) => s.workCenterId)).toEqual(['WC1', 'WC2', 'WC3']);
    const stale = { ...early[0]!, revision: 0, final: false, goodCount: 1 };
    const input = join(dir, 'shift-summaries.ndjson');
    await writeFile(input, toNdjson([stale, ...run.all]));
    const out = join(dir, 'report.html');
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await main(
      [
        'report',
        '--input',
        'shift-summaries.ndjson',
        '--out',
        'report.html',
        '--plant',
        'stamping-berlin',
        '--shift',
        '2026-03-10/early',
      ],
      {
        stdout: { write: (s: string) => stdout.push(s) } as never,
        stderr: { write: (s: string) => stderr.push(s) } as never,
        signal: new AbortController().signal,
        cwd: dir,
      },
    );
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);
    expect(stdout.join('')).toMatch(
      /report: wrote .*report\.html \(\d+ KiB\): 1 plant, 1 shift, 3 work-center summaries; 1 earlier revisions replaced/,
    );

    // A fresh profile directory per run (playwright passes it as --user-data-dir).
    const userDataDir = join(dir, 'chromium-profile');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1360, height: 900 },
      deviceScaleFactor: 1,
      timeout: 60_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });

    // Self-contained: the only request is the page itself.
    expect(requests).toEqual([pathToFileURL(out).href]);

    const timelines = page.locator('svg.timeline');
    expect(await timelines.count()).toBe(3);
    expect(
      await timelines.evaluateAll((els) =>
        els.map((e) => (e as { getAttribute(n: string): string | null }).getAttribute('data-work-center')),
      ),
    ).toEqual(['WC1', 'WC2', 'WC3']);
    for (const wc of ['WC1', 'WC2', 'WC3']) {
      const tl = page.locator(`svg.timeline[data-work-center="${wc}"]`);
      const box = await tl.boundingBox();
      expect(box, `timeline of ${wc} is laid out`).not.toBeNull();
      expect(box!.width).toBeGreaterThan(600);
      expect(box!.height).toBeGreaterThan(20);
      // One rect per interval of the last revision, each with a hover title.
      const summary = early.find((s) => s.workCenterId === wc)!;
      expect(await tl.locator('rect.iv').count()).toBe(summary.intervals.length);
      expect(await tl.locator('rect.iv-down title').first().textContent()).toMatch(
        /^Down: [a-z-]+\n\d\d:\d\d:\d\d to \d\d:\d\d:\d\d \(\d+ min \d\d s\)$/,
      );
      await expect(page.locator('.tl-name', { hasText: wc }).isVisible()).resolves.toBe(true);
    }
    const text = await page.locator('body').innerText();
    for (const wc of ['WC1', 'WC2', 'WC3']) expect(text).toContain(wc);
    expect(text).toContain('Downtime by reason');
    expect(text).toContain('tool-breakage');
    expect(text).toContain('Early shift');
    expect(text).toContain('06:00 to 14:00');
    // The stale revision 0 (goodCount 1, partial) was replaced by the final revision.
    expect(await page.locator('tr[data-work-center="WC1"] .status').textContent()).toBe('final');

    const png = await page.screenshot({ fullPage: true, type: 'png' });
    const shot = join(dir, 'report.png');
    await writeFile(shot, png);
    expect(png.length).toBeGreaterThan(20_000);
    expect(png.length).toBeLessThan(5_000_000);
    const info = inspectPng(png);
    expect(info.width).toBe(1360);
    expect(info.height).toBeGreaterThan(700);
    expect(info.distinctColours, 'a blank or uniform page has a handful of colours').toBeGreaterThan(30);

    expect((await readFile(shot)).equals(png)).toBe(true);
  });
  it('lays out the per-order table (report --orders): one visible row per order share', async () => {
    const executablePath = requireChromium();
    const { shifts, orders } = runOrdersFixture();
    await writeFile(join(dir, 'o-shifts.ndjson'), toNdjson(shifts));
    await writeFile(join(dir, 'o-orders.ndjson'), orders.map((o) => JSON.stringify(o)).join('\n') + '\n');
    const stderr: string[] = [];
    const code = await main(
      ['report', '--input', 'o-shifts.ndjson', '--orders', 'o-orders.ndjson', '--out', 'orders.html'],
      {
        stdout: { write: () => true } as never,
        stderr: { write: (s: string) => stderr.push(s) } as never,
        signal: new AbortController().signal,
        cwd: dir,
      },
    );
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);
    context ??= await chromium.launchPersistentContext(join(dir, 'chromium-profile-orders'), {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      viewport: { width: 1360, height: 900 },
      timeout: 60_000,
    });
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, 'orders.html')).href, { waitUntil: 'load' });
    const early = page.locator('section.shift[data-shift="2026-03-10/early"] table.orders');
    await expect(early.isVisible()).resolves.toBe(true);
    const rows = early.locator('tbody tr');
    expect(await rows.count()).toBe(4);
    for (const [wc, order] of [
      ['WC1', 'MO/<1>'],
      ['WC1', 'MO/2'],
      ['WC1', ''],
      ['WC2', ''],
    ] as const) {
      const row = early.locator(`tr[data-work-center="${wc}"][data-order="${order}"]`);
      const box = await row.boundingBox();
      expect(box, `row ${wc} ${order}`).not.toBeNull();
      expect(box!.height).toBeGreaterThan(10);
      expect(await row.locator('th').innerText()).toBe(order === '' ? 'no order' : order);
    }
    const head = await early.locator('thead').innerText();
    for (const h of ['ORDER', 'WORK CENTER', 'SHIFT', 'RUNTIME', 'DOWNTIME BY REASON', 'GOOD', 'SCRAP'])
      expect(head.toUpperCase()).toContain(h);
    await page.close();
  }, 120_000);
});
