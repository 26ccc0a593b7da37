// Port: a message broker `ingest` subscribes to (MQTT). The handler's promise settles the message:
// resolved, it is acknowledged to the broker (QoS 1 PUBACK); rejected, it is not, and the broker
// delivers it again after a reconnect. Messages reach the handler in the order received, without
// waiting for the previous handler's promise: several may be in flight (a bounded number), so their
// durable writes can share one fsync. Acknowledgements go out in the order received, each only once
// its own handler resolved, and only on the connection the message came on.

export interface InboundMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  /** The broker marks a redelivery of a message it sent before (MQTT DUP flag). */
  readonly dup: boolean;
}

export type ConnectionState = 'connected' | 'disconnected';

export interface MessageSource {
  /** Connects and subscribes; resolves once subscribed. */
  start(handler: (message: InboundMessage) => Promise<void>): Promise<void>;
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
  onState(listener: (state: ConnectionState, detail: string) => void): void;
  close(): Promise<void>;
}
