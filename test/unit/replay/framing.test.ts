// Framing of an export, line by line: the format from the first line, CSV records across quoted
// newlines, an unclosed quote rejected and its following lines read again, the header's problems.
import { describe, expect, it } from 'vitest';
import { ExportFramer, MAX_LINE_CHARS } from '../../../src/replay/framing.js';
import type { InputFormat } from '../../../src/replay/input.js';
import { isReject, type ParseResult } from '../../../src/replay/records.js';

function frame(lines: readonly string[], format?: InputFormat) {
  const records: { line: number; raw: string; result: ParseResult }[] = [];
  const notices: string[] = [];
  const framer = new ExportFramer(
    { record: (result, line, raw) => records.push({ line, raw, result }), notice: (t) => notices.push(t) },
    'export.csv',
    format,
  );
  for (const l of lines) framer.line(l);
  framer.end();
  const verdicts = records.map((r) =>
    isReject(r.result) ? `${r.line} ${r.result.reason}` : `${r.line} ${r.result.tag}`,
  );
  return { framer, records, notices, verdicts };
}

describe('ExportFramer', () => {
  it('reads NDJSON when the first non-blank line is an object, skipping blank lines', () => {
    const { verdicts } = frame(['', '{"ts":1,"tag":"A","value":1}', '  ', '{"ts":2,"tag":"B"}']);
    expect(verdicts).toEqual(['2 A', '4 missing-field']);
  });

  it('reads CSV with its header, joins a quoted field across lines at its first line, notes ignored columns', () => {
    const { verdicts, records, notices } = frame(['ts,tag,value,site', '1,A,"two', 'lines",x', '2,B,3,y']);
    expect(verdicts).toEqual(['2 A', '4 B']);
    expect(records[0]?.raw).toBe('1,A,"two\nlines",x');
    expect(notices).toEqual(['ignoring CSV columns site']);
  });

  it('rejects an unclosed quote at its line and reads the lines after it again', () => {
    const lines = ['ts,tag,value', '1,A,"open', ...Array.from({ length: 70 }, (_, i) => `${i + 2},T${i},1`)];
    const { verdicts } = frame(lines, 'csv');
    expect(verdicts[0]).toBe('2 malformed-csv');
    expect(verdicts.slice(1)).toEqual(Array.from({ length: 70 }, (_, i) => `${i + 3} T${i}`));
  });

  it('stops the input on a header without ts, tag and value; rejects an over-long line', () => {
    const bad = frame(['time,tag,value', '1,A,1'], 'csv');
    expect(bad.framer.problem?.message).toBe(
      '--input export.csv line 1: expected a CSV header naming ts,tag,value[,quality], found "time,tag,value" (no ts)',
    );
    expect(bad.records).toEqual([]);
    const out: string[] = [];
    const long = new ExportFramer(
      { record: (r, line) => out.push(`${line} ${isReject(r) ? r.detail : ''}`), notice: () => undefined },
      'x',
      undefined,
    );
    long.overlong(MAX_LINE_CHARS + 5);
    expect(long.problem).toBeUndefined();
    expect(out).toEqual([`1 expected a line of at most ${MAX_LINE_CHARS} characters, found ${MAX_LINE_CHARS + 5}`]);
  });
});
