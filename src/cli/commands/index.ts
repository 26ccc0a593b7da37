// The command list: one entry per command. Modules load on dispatch, so `shiftstream lint` does not
// pay for loading the Kafka, Redis and Avro clients that `run` needs.
import type { CommandDef } from '../command.js';

export interface CommandEntry {
  readonly name: string;
  load(): Promise<CommandDef>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'demo', load: async () => (await import('./demo.js')).demoCommand },
  { name: 'dlq', load: async () => (await import('./dlq.js')).dlqCommand },
  { name: 'doctor', load: async () => (await import('./doctor.js')).doctorCommand },
  { name: 'ingest', load: async () => (await import('./ingest.js')).ingestCommand },
  { name: 'lint', load: async () => (await import('./lint.js')).lintCommand },
  { name: 'orders', load: async () => (await import('./orders.js')).ordersCommand },
  { name: 'post', load: async () => (await import('./post.js')).postCommand },
  { name: 'reconcile', load: async () => (await import('./reconcile.js')).reconcileCommand },
  { name: 'print-config', load: async () => (await import('./print-config.js')).printConfigCommand },
  { name: 'replay', load: async () => (await import('./replay.js')).replayCommand },
  { name: 'report', load: async () => (await import('./report.js')).reportCommand },
  { name: 'run', load: async () => (await import('./run.js')).runCommand },
  { name: 'schemas', load: async () => (await import('./schemas.js')).schemasCommand },
  { name: 'simulate', load: async () => (await import('./simulate.js')).simulateCommand },
  { name: 'trace', load: async () => (await import('./trace.js')).traceCommand },
];
