// Odoo stand-in for tests and benchmarks (see docs/odoo.md).
export { startOdooStandin } from './server.js';
export type { CallRecord, OdooStandin, OdooStandinOptions, StandinCalls, StandinVersion } from './server.js';
export { FAULT_KINDS, seededRandom } from './faults.js';
export type { FaultKind, FaultRule, Faults } from './faults.js';
export { SERVED_MODELS, loadSchema } from './schema.js';
export type { Edition } from './schema.js';
export type { SeedProduct } from './seed.js';
export { UI_XMLIDS } from './actions.js';
export { ACCESS_OPERATIONS, type AccessOperation } from './access.js';
