// Port: metrics. The engine records through this; src/metrics implements it with prom-client.
export type Labels = Readonly<Record<string, string>>;

export interface Metrics {
  inc(name: string, labels?: Labels, value?: number): void;
  set(name: string, labels: Labels, value: number): void;
  observe(name: string, labels: Labels, value: number): void;
}

export const noopMetrics: Metrics = {
  inc: () => undefined,
  set: () => undefined,
  observe: () => undefined,
};

/** Minimal structured logger shape (pino satisfies it). */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
