// The PUBACKs MqttJsSource writes itself (src/io/mqtt/mqtt-source.ts, pubackBytes) are the bytes
// mqtt-packet, mqtt.js's own encoder, writes for a successful PUBACK, in MQTT 3.1.1 and 5, and
// mqtt-packet's parser reads them back as those PUBACKs in order.
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { pubackBytes } from '../../../src/io/mqtt/mqtt-source.js';

const IDS = [1, 2, 255, 256, 0x1234, 0x7fff, 0x8000, 0xfffe, 0xffff];

describe('pubackBytes', () => {
  for (const protocolVersion of [4, 5] as const)
    it(`equals mqtt-packet's PUBACKs (protocol ${protocolVersion})`, () => {
      const expected = Buffer.concat(
        IDS.map((messageId) =>
          mqttPacket.generate(
            { cmd: 'puback', messageId, ...(protocolVersion === 5 ? { reasonCode: 0 } : {}) },
            { protocolVersion },
          ),
        ),
      );
      const bytes = pubackBytes(IDS);
      expect(bytes.equals(expected)).toBe(true);
      const parser = mqttPacket.parser({ protocolVersion });
      const parsed: { cmd: string; messageId: number | undefined }[] = [];
      parser.on('packet', (p: mqttPacket.Packet) => parsed.push({ cmd: p.cmd, messageId: p.messageId }));
      parser.parse(bytes);
      expect(parsed).toEqual(IDS.map((messageId) => ({ cmd: 'puback', messageId })));
    });
});
