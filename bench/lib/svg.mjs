// A horizontal bar chart as a self-contained SVG (no dependency): one bar per row, value labels.
import { writeFileSync } from 'node:fs';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * @param {{ file: string, title: string, subtitle?: string, unit: string, bars: { label: string, value: number | null,
 * note?: string, highlight?: boolean }[] }} o
 */
export function barChart(o) {
  const rowH = 28;
  const left = 300;
  const width = 900;
  const barMax = width - left - 170;
  const top = o.subtitle ? 64 : 48;
  const height = top + o.bars.length * rowH + 20;
  const max = Math.max(1, ...o.bars.map((b) => b.value ?? 0));
  const rows = o.bars.map((b, i) => {
    const y = top + i * rowH;
    const w = b.value === null ? 0 : Math.max(1, (b.value / max) * barMax);
    const text =
      b.value === null
        ? 'n/a'
        : `${Math.round(b.value).toLocaleString('en-US')} ${o.unit}${b.note ? `  ${b.note}` : ''}`;
    return [
      `<text x="${left - 8}" y="${y + 18}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" ` +
        `height="${rowH - 8}" fill="${b.highlight ? '#d9480f' : '#1c7ed6'}"/>`,
      `<text x="${left + w + 6}" y="${y + 18}">${esc(text)}</text>`,
    ].join('');
  });
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 ` +
      `0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="bold">${esc(o.title)}</text>`,
    o.subtitle ? `<text x="16" y="46" fill="#555">${esc(o.subtitle)}</text>` : '',
    ...rows,
    '</svg>',
  ].join('\n');
  writeFileSync(o.file, `${svg}\n`);
  return o.file;
}
