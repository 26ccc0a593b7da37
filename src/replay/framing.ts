// Framing of a historian export: lines (from the LineSplitter) -> records. Decides the format
// (name, flag, or the first line), joins CSV records whose quoted fields span lines, reads the CSV
// header, and parses each NDJSON line or CSV row (records.ts). Every record, parsed or rejected,
// goes to the sink with its line number and raw text; a bad CSV header stops the input.
import { ShiftstreamError } from '../errors.js';
import type { InputFormat } from './input.js';
import type { LineSink } from './line-splitter.js';
import {
  countQuotes,
  csvFieldsToSample,
  parseCsvHeader,
  parseNdjsonLine,
  splitCsvRecord,
  type CsvColumns,
  type ParseResult,
} from './records.js';

/** Longest line read; a longer one is rejected as `line-too-long` without being held in memory. */
export const MAX_LINE_CHARS = 1 << 20;
/** A CSV record may span this many lines (quoted newlines) before it counts as an unclosed quote. */
const MAX_RECORD_LINES = 64;

export interface RecordSink {
  /** One record (an NDJSON line or a CSV row): a sample or a reject, at its first line. */
  record(result: ParseResult, lineNo: number, raw: string): void;
  /** Something to tell the user once (e.g. CSV columns that are ignored). */
  notice(text: string): void;
}

export class ExportFramer implements LineSink {
  private format: InputFormat | undefined;
  private csv: CsvColumns | undefined;
  private readonly csvFields: string[] = [];
  private pending: string[] = [];
  private pendingQuotes = 0;
  private pendingLine = 0;
  private lineNo = 0;
  /** A problem that ends the input (a bad CSV header); the caller stops reading when set. */
  problem: ShiftstreamError | undefined;

  constructor(
    private readonly sink: RecordSink,
    /** The input's name, for messages. */
    private readonly input: string,
    /** undefined: the first non-blank line decides (`{`: NDJSON, else CSV). */
    format: InputFormat | undefined,
  ) {
    this.format = format;
  }

  line(text: string): void {
    this.lineNo++;
    if (this.format === 'csv' || this.pending.length > 0) {
      this.csvLine(text);
      return;
    }
    if (isBlank(text)) return;
    if (this.format === undefined) {
      this.format = text.trimStart().startsWith('{') ? 'ndjson' : 'csv';
      if (this.format === 'csv') {
        this.csvLine(text);
        return;
      }
    }
    this.sink.record(parseNdjsonLine(text), this.lineNo, text);
  }

  overlong(length: number): void {
    this.lineNo++;
    this.sink.record(
      {
        reject: true,
        reason: 'line-too-long',
        detail: `expected a line of at most ${MAX_LINE_CHARS} characters, found ${length}`,
      },
      this.lineNo,
      '',
    );
  }

  /** End of input: a CSV record still open is an unclosed quote. */
  end(): void {
    while (this.pending.length > 0) this.unclosedQuote();
  }

  private csvLine(text: string): void {
    if (this.pending.length > 0) {
      this.pending.push(text);
      this.pendingQuotes += countQuotes(text);
      if (this.pendingQuotes % 2 === 0) {
        const record = this.pending.join('\n');
        this.pending = [];
        this.csvRecord(record, this.pendingLine);
      } else if (this.pending.length >= MAX_RECORD_LINES) {
        this.unclosedQuote();
      }
      return;
    }
    if (isBlank(text)) return;
    const quotes = text.indexOf('"') === -1 ? 0 : countQuotes(text);
    if (quotes % 2 === 1) {
      this.pending = [text];
      this.pendingQuotes = quotes;
      this.pendingLine = this.lineNo;
      return;
    }
    this.csvRecord(text, this.lineNo);
  }

  /** An odd quote that never closed: reject its line and read the lines after it again. */
  private unclosedQuote(): void {
    const [first, ...rest] = this.pending;
    const firstLine = this.pendingLine;
    this.pending = [];
    this.sink.record(
      {
        reject: true,
        reason: 'malformed-csv',
        detail: `a quoted field is not closed within ${MAX_RECORD_LINES} lines`,
      },
      firstLine,
      first ?? '',
    );
    const endLine = this.lineNo;
    this.lineNo = firstLine;
    for (const text of rest) {
      this.lineNo++;
      this.csvLine(text);
    }
    this.lineNo = endLine;
  }

  private csvRecord(record: string, lineNo: number): void {
    const problem = splitCsvRecord(record, this.csvFields);
    if (this.csv === undefined) {
      const cols =
        problem === undefined
          ? parseCsvHeader(this.csvFields)
          : `expected a CSV header ts,tag,value[,quality], found ${problem}`;
      if (typeof cols === 'string') {
        this.problem ??= new ShiftstreamError(
          'SHIFTSTREAM_INPUT_INVALID',
          `--input ${this.input} line ${lineNo}: ${cols}`,
          { details: { file: this.input, line: lineNo } },
        );
        return;
      }
      this.csv = cols;
      if (cols.ignored.length > 0) this.sink.notice(`ignoring CSV columns ${cols.ignored.join(', ')}`);
      return;
    }
    if (problem !== undefined) {
      this.sink.record({ reject: true, reason: 'malformed-csv', detail: problem }, lineNo, record);
      return;
    }
    this.sink.record(csvFieldsToSample(this.csvFields, this.csv), lineNo, record);
  }
}

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  return (c === 32 || c === 9) && text.trim() === '';
}
