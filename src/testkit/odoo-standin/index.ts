// Odoo stand-in for tests and benchmarks (see docs/odoo.md).
export { startOdooStandin } from './server.js';
export type { CallRecord, OdooStandin, OdooStandinOptions, StandinCalls, StandinVersion } from './server.js';
export { FAULT_KINDS, seededRandom } from './faults.js';
export type { FaultKind, FaultRule, Faults } from './faults.js';
export { SERVED_MODELS } from './schema.js';
export { ACCESS_OPERATIONS, type AccessOperation } from './access.js';
