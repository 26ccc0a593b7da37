// The topology pipeline: YAML (with positions) -> schema check -> named lint rules -> typed plan.
import { readFileSync } from 'node:fs';
import { createShiftCalendar } from '../core/shifts.js';
import { TopologyError } from '../errors.js';
import { compileTopology } from './compile.js';
import type { TopologyDoc } from './document.js';
import { calendarSpec } from './model.js';
import { formatProblem, sortProblems } from './problems.js';
import { calendarPathOf, shiftsValid, validTimeZone } from './rules/calendar.js';
import { RULES } from './rules/index.js';
import { checkSchema } from './schema-check.js';
import { parseTopologySource, type TopologySource } from './source.js';
import type { TopologyPlan, TopologyProblem } from './types.js';

export interface LintResult {
  readonly file: string;
  /** Sorted by line. */
  readonly problems: readonly TopologyProblem[];
  /** Present when there are no errors (warnings allowed). */
  readonly plan?: TopologyPlan;
}

function runRules(doc: TopologyDoc, source: TopologySource): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  for (const rule of RULES) {
    rule.check({
      doc,
      source,
      report(path, message, options = {}) {
        problems.push({
          file: source.file,
          path,
          ...source.position(path, options.preferKey ?? false),
          rule: rule.name,
          severity: options.severity ?? rule.severity,
          message,
        });
      },
    });
  }
  // The core's calendar validation, once our own calendar checks pass (it would repeat them).
  if (!problems.some((p) => p.rule === shiftsValid.name || p.rule === validTimeZone.name)) {
    try {
      createShiftCalendar(calendarSpec(doc));
    } catch (err) {
      if (!(err instanceof TopologyError)) throw err;
      const listed = err.details['problems'];
      const messages = Array.isArray(listed) ? listed.map(String) : [err.message];
      for (const message of messages) {
        const path = calendarPathOf(message);
        problems.push({
          file: source.file,
          path,
          ...source.position(path),
          rule: shiftsValid.name,
          severity: 'error',
          message,
        });
      }
    }
  }
  return problems;
}

/** Every problem of a topology text, and its plan when there are no errors. Never throws for bad input. */
export function lintTopologyText(text: string, sourceName: string): LintResult {
  const source = parseTopologySource(text, sourceName);
  const problems = [...source.problems];
  if (!problems.some((p) => p.rule === 'yaml-syntax')) {
    const schemaProblems = checkSchema(source);
    problems.push(...schemaProblems);
    // Lint rules assume a schema-valid document; with schema errors they would only add noise.
    if (schemaProblems.length === 0) problems.push(...runRules(source.data as TopologyDoc, source));
  }
  const sorted = sortProblems(problems);
  if (sorted.some((p) => p.severity === 'error')) return { file: sourceName, problems: sorted };
  return { file: sourceName, problems: sorted, plan: compileTopology(source.data as TopologyDoc, sourceName, sorted) };
}

function readTopologyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new TopologyError(
      'SHIFTSTREAM_TOPOLOGY_NOT_FOUND',
      `topology ${path}: expected a readable file, found: ${reason}`,
      {
        cause: err,
        details: { file: path },
      },
    );
  }
}

export function lintTopologyFile(path: string): LintResult {
  return lintTopologyText(readTopologyFile(path), path);
}

function planOrThrow(result: LintResult): TopologyPlan {
  if (result.plan !== undefined) return result.plan;
  const errors = result.problems.filter((p) => p.severity === 'error');
  throw new TopologyError(
    'SHIFTSTREAM_TOPOLOGY_INVALID',
    `topology ${result.file}: expected no lint errors, found ` +
      `${errors.length}:\n${errors.map(formatProblem).join('\n')}`,
    { details: { file: result.file, problems: result.problems } },
  );
}

/** Loads a topology text; throws one TopologyError listing every error. Warnings go to `plan.warnings`. */
export function loadTopologyFromString(text: string, sourceName: string): TopologyPlan {
  return planOrThrow(lintTopologyText(text, sourceName));
}

/** Loads `topologies/<plant>.yaml`; throws TopologyError (NOT_FOUND or INVALID). */
export function loadTopology(path: string): TopologyPlan {
  return planOrThrow(lintTopologyFile(path));
}
