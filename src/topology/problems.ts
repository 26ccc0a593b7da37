// Printing problems: `<file> <path> (line <n>): <rule>: <message>`, warnings marked as such.
import type { TopologyProblem } from './types.js';

export function formatProblem(p: TopologyProblem): string {
  const path = p.path === '' ? '/' : p.path;
  const line = p.line > 0 ? ` (line ${p.line})` : '';
  const severity = p.severity === 'warning' ? ' (warning)' : '';
  return `${p.file} ${path}${line}: ${p.rule}${severity}: ${p.message}`;
}

/** File, then line, then column, then rule: the order an editor would list them. */
export function sortProblems(problems: readonly TopologyProblem[]): TopologyProblem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.rule.localeCompare(b.rule) ||
      a.path.localeCompare(b.path),
  );
}

export function countBySeverity(problems: readonly TopologyProblem[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const p of problems) if (p.severity === 'error') errors++;
  return { errors, warnings: problems.length - errors };
}
