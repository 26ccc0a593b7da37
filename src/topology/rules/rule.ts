// The shape of a lint rule: a name, a default severity, one line of documentation, and a check
// that reports problems through the context. Rules run only on schema-valid documents.
import type { TopologyDoc } from '../document.js';
import type { TopologySource } from '../source.js';

export interface ReportOptions {
  /** Overrides the rule's default severity for this problem. */
  readonly severity?: 'error' | 'warning';
  /** Point at the key rather than its value (e.g. for a key that should not be there). */
  readonly preferKey?: boolean;
}

export interface RuleContext {
  readonly doc: TopologyDoc;
  readonly source: TopologySource;
  report(path: string, message: string, options?: ReportOptions): void;
}

export interface LintRule {
  readonly name: string;
  readonly severity: 'error' | 'warning';
  /** One line for docs/topology.md and `shiftstream lint --help`. */
  readonly summary: string;
  check(ctx: RuleContext): void;
}

/** `'a', 'b' and 'c'` for messages. */
export function quoteList(items: readonly string[]): string {
  if (items.length === 0) return 'none';
  return items.map((i) => `'${i}'`).join(', ');
}
