import { describe, expect, it } from 'vitest';
import { csvValue, parseNdjsonLine, splitCsvRecord } from '../../../src/replay/records.js';
import { parseIsoTs, parseTsText } from '../../../src/replay/timestamp.js';

describe('timestamps', () => {
  it.each([
    ['2026-03-29T00:59:58.120Z', Date.UTC(2026, 2, 29, 0, 59, 58, 120)],
    ['2026-03-29T01:59:58.120+01:00', Date.UTC(2026, 2, 29, 0, 59, 58, 120)],
    ['2026-03-29T03:00:00+02:00', Date.UTC(2026, 2, 29, 1, 0, 0)],
    ['2026-03-28T19:00:00-0500', Date.UTC(2026, 2, 29, 0, 0, 0)],
    ['2026-03-29 00:00:00.1234567Z', Date.UTC(2026, 2, 29, 0, 0, 0, 123)],
    ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12)],
  ])('%s', (text, ms) => {
    expect(parseIsoTs(text)).toBe(ms);
    expect(parseTsText(text)).toBe(ms);
  });

  it.each([
    ['2026-03-29T00:59:58', /has no offset/],
    ['2026-02-29T00:00:00Z', /not a calendar date/],
    ['2026-03-29T24:00:00Z', /expected ISO-8601/],
    ['2026-03-29T00:00:00.Z', /no digits after the decimal point/],
    ['2026-03-29T00:00:00Z junk', /trailing text/],
    ['2026-03-29T00:00:00+25:00', /bad offset/],
  ])('rejects %s', (text, message) => {
    expect(parseTsText(text)).toMatch(message);
  });

  it('reads digits as epoch ms', () => {
    expect(parseTsText('1774745998120')).toBe(1774745998120);
    expect(parseTsText('')).toMatch(/empty field/);
  });
});

describe('CSV', () => {
  it('splits RFC 4180 records', () => {
    const out: string[] = [];
    expect(splitCsvRecord('a,b,,d', out)).toBeUndefined();
    expect(out).toEqual(['a', 'b', '', 'd']);
    expect(splitCsvRecord('"a,1","say ""hi""",,"x\ny",', out)).toBeUndefined();
    expect(out).toEqual(['a,1', 'say "hi"', '', 'x\ny', '']);
    expect(splitCsvRecord('"a"b,c', out)).toMatch(/expected a comma after the closing quote/);
    expect(splitCsvRecord('a,b"c', out)).toMatch(/a quote inside an unquoted field/);
  });

  it.each([
    ['42', 42],
    ['-1.5e3', -1500],
    ['.5', 0.5],
    ['0x10', '0x10'],
    ['1_000', '1_000'],
    [' 5', ' 5'],
    ['5 ', '5 '],
    ['Infinity', 'Infinity'],
    ['TRUE', true],
    ['false', false],
    ['', ''],
    ['RUN', 'RUN'],
  ])('types value %j', (text, value) => {
    expect(csvValue(text)).toBe(value);
  });
});

describe('NDJSON', () => {
  it('reads the fields and defaults quality to good', () => {
    expect(parseNdjsonLine('{"ts":"2026-03-29T00:00:00Z","tag":"T","value":"RUN"}')).toEqual({
      tag: 'T',
      tsMs: Date.UTC(2026, 2, 29),
      value: 'RUN',
      quality: 'good',
    });
    expect(parseNdjsonLine('{"ts":1,"tag":"T","value":false,"quality":"Uncertain"}')).toMatchObject({
      value: false,
      quality: 'uncertain',
    });
  });

  it.each([
    ['{"ts":1.5,"tag":"T","value":1}', 'invalid-ts'],
    ['{"ts":1,"tag":"","value":1}', 'invalid-field'],
    ['{"ts":1,"tag":"T","value":{}}', 'invalid-field'],
    ['{"ts":1,"tag":"T","value":1,"quality":"great"}', 'invalid-field'],
    ['{"ts":1,"tag":"T"}', 'missing-field'],
    ['"x"', 'malformed-json'],
    ['{', 'malformed-json'],
  ])('rejects %s as %s', (line, reason) => {
    expect(parseNdjsonLine(line)).toMatchObject({ reject: true, reason });
  });
});
