// A small human-readable formatter for terminals, so that `--log-level debug` in a shell is
// legible without an extra dependency (pino-pretty is not installed). One line per record:
//   12:04:05.123 INFO  window closed plantId=stamping-berlin windowName=shift durationMs=12
// followed by the error stack, indented, when the record carries `err`.
import type { DestinationStream } from 'pino';

const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function clock(ms: number): string {
  const d = new Date(ms);
  const millis = d.getMilliseconds();
  return (
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.` +
    `${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}`
  );
}

function field(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

/** Formats one pino JSON line. Lines that are not JSON objects pass through unchanged. */
export function formatPrettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return line.endsWith('\n') ? line : `${line}\n`;
    record = parsed as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof record['time'] === 'number' ? clock(record['time']) : '--:--:--.---';
  const level = String(record['level'] ?? 'info')
    .toUpperCase()
    .padEnd(5);
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  const fields = Object.entries(record)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${field(v)}`);
  let out = `${time} ${level} ${msg}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`;
  const err = record['err'];
  if (err !== null && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    const text =
      typeof e['stack'] === 'string' ? e['stack'] : `${String(e['type'] ?? 'Error')}: ${String(e['message'] ?? '')}`;
    const code = typeof e['code'] === 'string' ? ` [${e['code']}]` : '';
    out += `${text
      .split('\n')
      .map((l, i) => `    ${l}${i === 0 ? code : ''}`)
      .join('\n')}\n`;
  }
  return out;
}

export function createPrettyStream(target: { write(chunk: string): unknown }): DestinationStream {
  return {
    write(msg: string): void {
      target.write(formatPrettyLine(msg.endsWith('\n') ? msg.slice(0, -1) : msg));
    },
  };
}
