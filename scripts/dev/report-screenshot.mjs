#!/usr/bin/env node
// A full-page screenshot of a shift report, taken the way the report's Chromium test takes it
// (playwright-core driving the Chromium that scripts/prerequisites.mjs finds, same flags and
// viewport). `npm run docs:screenshot` makes docs/report-screenshot.png from one demo shift.
// Usage: node scripts/dev/report-screenshot.mjs <report.html> <out.png>
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { findChromium } from '../prerequisites.mjs';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  process.stderr.write('usage: node scripts/dev/report-screenshot.mjs <report.html> <out.png>\n');
  process.exit(2);
}
const executablePath = findChromium();
if (executablePath === null) {
  process.stderr.write('report-screenshot: no Chromium (CHROMIUM_PATH, or chromium on PATH): see README\n');
  process.exit(1);
}
const profile = await mkdtemp(join(tmpdir(), 'report-screenshot-'));
const context = await chromium.launchPersistentContext(profile, {
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
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(pathToFileURL(resolve(input)).href, { waitUntil: 'load' });
  const png = await page.screenshot({ fullPage: true, type: 'png' });
  await writeFile(output, png);
  process.stdout.write(`report-screenshot: ${output} (${Math.round(png.length / 1024)} KiB) from ${input}\n`);
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
