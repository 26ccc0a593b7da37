import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/topology/index.js';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['8h', 28_800_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['0.25s', 250],
    ['0s', 0],
    [1500, 1500],
    [0, 0],
  ] as const)('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '30 s', '5min', '-5s', '1.0005s', 's', '1h 30m', '1e3s'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('rejects non-integer and negative numbers and other types', () => {
    expect(parseDuration(1.5)).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(null)).toBeUndefined();
    expect(parseDuration(true)).toBeUndefined();
  });

  it('formats the shortest compound text and round-trips', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(1500)).toBe('1s500ms');
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(86_400_000 + 1)).toBe('1d1ms');
    for (const ms of [1, 999, 60_000, 3_723_004, 90_061_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
