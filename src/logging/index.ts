export {
  createLogger,
  LOG_LEVELS,
  REDACT_PATHS,
  REDACTED,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from './logger.js';
export { childLogger, componentLogger, partitionLogger, workCenterLogger, type LogContext } from './child.js';
export { createPrettyStream, formatPrettyLine } from './pretty.js';
