import { Kafka, logLevel } from 'kafkajs';
const plant = process.argv[2];
const admin = new Kafka({ brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).admin();
await admin.connect();
for (const role of ['raw', 'enriched', 'milestones', 'window-summaries', 'shift-summaries', 'rejected', 'late']) {
  const t = `shiftstream.${plant}.${role}`;
  const o = await admin.fetchTopicOffsets(t).catch(() => []);
  console.log(
    t.padEnd(48),
    o.reduce((a, p) => a + Number(p.high), 0),
  );
}
await admin.disconnect();
