// MessageSource on mqtt.js (MQTT 3.1.1 and 5). A persistent session (clean: false, a fixed client
// id) so the broker keeps QoS 1 messages while ingest is away; the acknowledgement is held back
// by overriding `handleMessage`, whose callback mqtt.js answers with the PUBACK: a message is
// acknowledged only after the handler resolved (the sample is in the spool, fsync'd).
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ShiftstreamError } from '../../errors.js';
import type { ConnectionState, InboundMessage, MessageSource } from '../../ports/message-source.js';

export interface MqttSourceOptions {
  readonly url: string;
  readonly clientId: string;
  readonly protocolVersion: 4 | 5;
  readonly filters: readonly string[];
  readonly qos: 0 | 1;
  readonly username?: string;
  readonly password?: string;
  /** Default 2 s. */
  readonly reconnectPeriodMs?: number;
}

export class MqttJsSource implements MessageSource {
  private client: MqttClient | undefined;
  private readonly listeners: ((state: ConnectionState, detail: string) => void)[] = [];

  constructor(private readonly o: MqttSourceOptions) {}

  onState(listener: (state: ConnectionState, detail: string) => void): void {
    this.listeners.push(listener);
  }

  private state(state: ConnectionState, detail: string): void {
    for (const l of this.listeners) l(state, detail);
  }

  async start(handler: (message: InboundMessage) => Promise<void>): Promise<void> {
    const options: IClientOptions = {
      clientId: this.o.clientId,
      clean: false,
      protocolVersion: this.o.protocolVersion,
      reconnectPeriod: this.o.reconnectPeriodMs ?? 2_000,
      connectTimeout: 10_000,
      manualConnect: true,
      ...(this.o.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0xffffffff } } : {}),
      ...(this.o.username === undefined ? {} : { username: this.o.username }),
      ...(this.o.password === undefined ? {} : { password: this.o.password }),
    };
    const client = mqtt.connect(this.o.url, options);
    this.client = client;
    client.handleMessage = (packet, callback) => {
      const message: InboundMessage = {
        topic: packet.topic,
        payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
        qos: packet.qos,
        dup: packet.dup,
      };
      handler(message).then(
        () => callback(),
        (err: unknown) => callback(err as Error),
      );
    };
    client.on('connect', () => this.state('connected', this.o.url));
    client.on('close', () => this.state('disconnected', `connection to ${this.o.url} closed`));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        client.off('connect', onConnect);
        reject(
          new ShiftstreamError('SHIFTSTREAM_INFRA', `mqtt ${this.o.url}: could not connect: ${err.message}`, {
            cause: err,
            retryable: true,
          }),
        );
      };
      const onConnect = (): void => {
        client.off('error', onError);
        resolve();
      };
      client.once('connect', onConnect);
      client.once('error', onError);
      client.connect();
    });
    const granted = await client.subscribeAsync([...this.o.filters], { qos: this.o.qos });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0)
      throw new ShiftstreamError(
        'SHIFTSTREAM_INFRA',
        `mqtt ${this.o.url}: the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`,
      );
  }

  async publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void> {
    if (this.client === undefined) throw new Error('mqtt: publish before start');
    await this.client.publishAsync(topic, payload, { qos });
  }

  /** Closes at once: messages not acknowledged yet are delivered again to the next session. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    // end(true) does not always call back while a message is being handled (seen with mqtt 5.16):
    // after a second, the socket is destroyed instead (the broker redelivers what was not acknowledged).
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      client.endAsync(true).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 1_000))),
    ]);
    clearTimeout(timer);
    if (!ended) {
      client.options.reconnectPeriod = 0;
      client.stream.destroy();
    }
  }
}
