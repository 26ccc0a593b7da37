// MessageSource on mqtt.js (MQTT 3.1.1 and 5). A persistent session (clean: false, a fixed client
// id) so the broker keeps QoS 1 messages while ingest is away.
//
// Acknowledgements. mqtt.js calls `handleMessage` for one packet at a time and reads the next only
// after its callback; called without an error, the callback sends the PUBACK at once. Waiting for
// the handler there allows one message in flight, so one fsync per message (1.5-2.2k samples/s,
// bench/RESULTS.md). Instead the callback is called at once *with an error*, which in mqtt.js
// 5 (handlers/publish.js) means "no PUBACK" and lets the pump go on to the next packet; the PUBACK is
// sent here once the handler resolved, in the order received (AckWindow), and only on the
// connection the message came on (after a reconnect the broker delivers it again, with DUP). The
// PUBACKs released in one turn of the event loop leave in one socket write, as the 4 bytes
// mqtt-packet writes for a successful PUBACK (`pubackBytes`; through mqtt.js's writer each cost a
// stream write per field, a nextTick and its debug calls, about 6 % of the CLI's CPU). At most
// `maxInFlight` handlers run; past that the callback waits, which stops mqtt.js reading packets
// (back-pressure to the broker).
//
// With `hostState` it is a Sparkplug 3.0 Host Application instead (docs/ingest.md, "Host STATE"):
// a clean session, the STATE death as its will, the STATE birth once subscribed, republished when
// the broker hands it an offline STATE for its own id, and an offline STATE before a clean stop.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ShiftstreamError } from '../../errors.js';
import type { ConnectionState, InboundMessage, MessageSource } from '../../ports/message-source.js';
import { AckWindow } from './ack-window.js';

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
  /** Messages handed to the handler and not yet acknowledged, at most. Default 2048. */
  readonly maxInFlight?: number;
  /** Sparkplug Host Application STATE on this topic (`spBv1.0/STATE/<hostId>`). */
  readonly hostState?: { readonly topic: string; readonly now?: () => number };
}

/** The Sparkplug 3.0 STATE payload (JSON, UTF-8). */
export function hostStatePayload(online: boolean, timestampMs: number): Buffer {
  return Buffer.from(JSON.stringify({ online, timestamp: timestampMs }));
}

/** Passed to mqtt.js's handleMessage callback: no PUBACK from mqtt.js (this source sends it). */
const HELD = new Error('shiftstream: PUBACK held until the message is durable');

/**
 * Successful PUBACKs for these packet ids, back to back: 0x40, remaining length 2, the id (MQTT
 * 3.1.1 3.4; MQTT 5 3.4.2.1 omits reason code 0 and the property length, as mqtt-packet does).
 */
export function pubackBytes(ids: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(4 * ids.length);
  for (let i = 0; i < ids.length; i++) {
    buf[4 * i] = 0x40;
    buf[4 * i + 1] = 2;
    buf.writeUInt16BE(ids[i]!, 4 * i + 2);
  }
  return buf;
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
    const host = this.o.hostState;
    const now = host?.now ?? Date.now;
    // The STATE timestamp of the current CONNECT: the will carries it, the birth repeats it
    // (Sparkplug 3.0 tck-id-message-flow-phid-sparkplug-state-publish-payload-timestamp).
    let stateTs = now();
    const will = (): NonNullable<IClientOptions['will']> => ({
      topic: host!.topic,
      payload: hostStatePayload(false, stateTs),
      qos: 1,
      retain: true,
    });
    const options: IClientOptions = {
      clientId: this.o.clientId,
      // A host application connects with a clean session (Sparkplug 3.0 tck-id-message-flow-phid-
      // sparkplug-clean-session-311/-50); otherwise the session persists so QoS 1 messages wait.
      clean: host !== undefined,
      protocolVersion: this.o.protocolVersion,
      reconnectPeriod: this.o.reconnectPeriodMs ?? 2_000,
      connectTimeout: 10_000,
      manualConnect: true,
      log: () => undefined, // mqtt.js logs each packet through `debug`: a cost per message even when off
      ...(this.o.protocolVersion === 5
        ? { properties: { sessionExpiryInterval: host === undefined ? 0xffffffff : 0 } }
        : {}),
      ...(host === undefined ? {} : { will: will() }),
      ...(this.o.username === undefined ? {} : { username: this.o.username }),
      ...(this.o.password === undefined ? {} : { password: this.o.password }),
    };
    const client = mqtt.connect(this.o.url, options);
    this.client = client;
    // PUBACKs released in this turn of the event loop, all for one connection.
    let acks: number[] = [];
    let acksOn: MqttClient['stream'] | undefined;
    const flushAcks = (): void => {
      const ids = acks;
      const stream = acksOn;
      acks = [];
      acksOn = undefined;
      // Not on a later connection: an id may name another message there; the broker redelivers these.
      if (ids.length > 0 && stream !== undefined && client.stream === stream && client.connected && !stream.destroyed)
        stream.write(pubackBytes(ids));
    };
    const window = new AckWindow<MqttClient['stream']>(this.o.maxInFlight ?? 2048, (messageId, stream) => {
      if (client.stream !== stream || !client.connected) return;
      if (acksOn !== stream) {
        flushAcks();
        acksOn = stream;
        process.nextTick(flushAcks);
      }
      acks.push(messageId);
    });
    let subscribed = false;
    const publishBirth = (): void => {
      if (host === undefined || this.client !== client) return;
      client.publish(host.topic, hostStatePayload(true, stateTs), { qos: 1, retain: true }, (err) => {
        if (err) this.state('disconnected', `STATE birth on ${host.topic} not acknowledged: ${err.message}`);
      });
    };
    if (host !== undefined) {
      // mqtt.js resubscribes on a reconnect before this listener runs: the birth follows the
      // subscriptions on the wire, as the spec orders them.
      client.on('connect', () => {
        if (subscribed) publishBirth();
      });
      // The next CONNECT gets a new timestamp in its will (and so in its birth).
      client.on('close', () => {
        stateTs = Math.max(now(), stateTs + 1);
        client.options.will = will();
      });
    }
    client.handleMessage = (packet, callback) => {
      if (host !== undefined && packet.topic === host.topic) {
        // Our own STATE: an offline one (a stale will, or another client) while we are connected
        // is answered with our birth again (tck-id-message-flow-hid-sparkplug-state-message-delivered).
        const text = typeof packet.payload === 'string' ? packet.payload : packet.payload.toString('utf8');
        let online: unknown;
        try {
          online = (JSON.parse(text) as { online?: unknown }).online;
        } catch {
          online = undefined;
        }
        if (online === false && this.client === client) publishBirth();
        // Acknowledged through the window like any other message: PUBACKs leave in arrival order.
        window.add(packet.qos > 0 ? packet.messageId : undefined, client.stream)(true);
        window.whenRoom(() => (packet.qos > 0 ? callback(HELD) : callback()));
        return;
      }
      const message: InboundMessage = {
        topic: packet.topic,
        payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
        qos: packet.qos,
        dup: packet.dup,
      };
      const settle = window.add(packet.qos > 0 ? packet.messageId : undefined, client.stream);
      handler(message).then(
        () => settle(true),
        () => settle(false),
      );
      window.whenRoom(() => (packet.qos > 0 ? callback(HELD) : callback()));
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
    const filters = host === undefined ? [...this.o.filters] : [...this.o.filters, host.topic];
    const granted = await client.subscribeAsync(filters, { qos: this.o.qos });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0)
      throw new ShiftstreamError(
        'SHIFTSTREAM_INFRA',
        `mqtt ${this.o.url}: the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`,
      );
    subscribed = true;
    if (host !== undefined)
      await client.publishAsync(host.topic, hostStatePayload(true, stateTs), { qos: 1, retain: true });
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
    const host = this.o.hostState;
    if (host !== undefined && client.connected) {
      // A clean stop: the STATE death first, at the current time (tck-id-operational-behavior-
      // host-application-death-payload), since a DISCONNECT keeps the broker from sending the will.
      let t: NodeJS.Timeout | undefined;
      await Promise.race([
        client
          .publishAsync(host.topic, hostStatePayload(false, (host.now ?? Date.now)()), { qos: 1, retain: true })
          .catch(() => undefined),
        new Promise((resolve) => (t = setTimeout(resolve, 1_000))),
      ]);
      clearTimeout(t);
    }
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
