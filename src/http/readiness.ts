// Readiness: named conditions that must all hold before the process takes traffic (e.g. `kafka`:
// consumer joined and partitions assigned; `redis`: state restored; `registry`: schemas
// registered). Components flip their own condition; `/readyz` reports the ones that do not hold.

export interface ReadinessCheck {
  readonly name: string;
  readonly ready: boolean;
  /** Why it is not ready (or a short status when it is). */
  readonly detail?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

/** What the HTTP server calls on every `/readyz`. May be async; a throw counts as not ready. */
export type ReadinessProbe = () => ReadinessReport | Promise<ReadinessReport>;

export interface Readiness {
  /** Marks a condition as holding. */
  ready(name: string, detail?: string): void;
  /** Marks a condition as not holding, with the reason shown in `/readyz`. */
  notReady(name: string, detail: string): void;
  report(): ReadinessReport;
  /** The probe to hand to `startHttpServer`. */
  readonly probe: ReadinessProbe;
}

/**
 * A readiness registry. Every name in `required` starts not ready ("not reported yet"), so the
 * process is unready until each component has said otherwise. Names reported later are added.
 */
export function createReadiness(required: readonly string[]): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  for (const name of required) checks.set(name, { name, ready: false, detail: 'not reported yet' });
  const report = (): ReadinessReport => {
    const list = [...checks.values()];
    return { ready: list.every((c) => c.ready), checks: list };
  };
  return {
    ready(name, detail) {
      checks.set(name, detail === undefined ? { name, ready: true } : { name, ready: true, detail });
    },
    notReady(name, detail) {
      checks.set(name, { name, ready: false, detail });
    },
    report,
    probe: report,
  };
}
