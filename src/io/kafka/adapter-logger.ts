// The few logger methods the Kafka adapters use (a pino logger fits).
export interface AdapterLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export const silentLogger: AdapterLogger = { error() {}, warn() {}, info() {}, debug() {} };

/** Compression of produced batches. kafkajs has only gzip built in (lz4 needs a codec package). */
export type Compression = 'none' | 'gzip' | 'lz4';
