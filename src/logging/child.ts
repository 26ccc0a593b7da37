// Child loggers per component, with the project's id spelling as fields (conventions: plantId,
// topic, partition, workCenterId). Undefined fields are left out rather than logged as null.
import type { Logger } from 'pino';

export interface LogContext {
  /** The component, e.g. `consumer`, `windowed-lane`, `critical-lane`, `odoo-writer`, `http`. */
  readonly component?: string;
  readonly plantId?: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly workCenterId?: string;
  readonly machineId?: string;
}

const KEYS = ['component', 'plantId', 'topic', 'partition', 'workCenterId', 'machineId'] as const;

export function childLogger(parent: Logger, context: LogContext): Logger {
  const bindings: Record<string, string | number> = {};
  for (const key of KEYS) {
    const value = context[key];
    if (value !== undefined) bindings[key] = value;
  }
  return parent.child(bindings);
}

/** A component's logger, e.g. `componentLogger(root, 'odoo-writer', { plantId })`. */
export function componentLogger(
  parent: Logger,
  component: string,
  context: Omit<LogContext, 'component'> = {},
): Logger {
  return childLogger(parent, { ...context, component });
}

/** The logger of one input partition. */
export function partitionLogger(parent: Logger, topic: string, partition: number, plantId?: string): Logger {
  return childLogger(parent, plantId === undefined ? { topic, partition } : { plantId, topic, partition });
}

/** The logger of one work center (e.g. for window closes). */
export function workCenterLogger(parent: Logger, plantId: string, workCenterId: string): Logger {
  return childLogger(parent, { plantId, workCenterId });
}
