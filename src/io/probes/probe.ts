// One line of the doctor report.
export type ProbeStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface ProbeLine {
  readonly server: 'kafka' | 'registry' | 'redis' | 'odoo' | 'config' | 'topology';
  readonly status: ProbeStatus;
  /** ok: what was found; fail: "<what>: expected <x>, found <y>". */
  readonly message: string;
}

/** First line of an error's message, plus its cause's (fetch and sockets hide the reason there). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split('\n')[0] ?? '';
  const cause =
    err.cause instanceof Error ? ((err.cause as NodeJS.ErrnoException).code ?? err.cause.message) : undefined;
  return cause !== undefined && !first.includes(cause) ? `${first} (${cause})` : first;
}
