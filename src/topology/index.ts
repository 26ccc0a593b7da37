// Public API of src/topology: load and lint topology files, and the plan types.
export { lintTopologyFile, lintTopologyText, loadTopology, loadTopologyFromString, type LintResult } from './load.js';
export { formatProblem, sortProblems, countBySeverity } from './problems.js';
export { parseDuration, formatDuration } from './duration.js';
export { parseLossRef, SEED_LOSSES, type LossRef, type SeedLoss } from './odoo-losses.js';
export { DEFAULTS, UNSPECIFIED_REASON, defaultTopics } from './model.js';
export { RULES, PARSE_RULES } from './rules/index.js';
export { TOPOLOGY_SCHEMA } from './schema.js';
export type * from './types.js';
