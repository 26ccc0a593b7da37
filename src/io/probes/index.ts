export * from './probe.js';
export * from './kafka-probe.js';
export * from './registry-probe.js';
export * from './redis-probe.js';
export * from './odoo-probe.js';
export * from './odoo-access-probe.js';
export * from './kafka-api-versions.js';
