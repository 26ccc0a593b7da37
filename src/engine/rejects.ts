// Rejected records, by the topology's policy: dead-letter (default: to the rejected topic with the
// reason and the original bytes), drop (counted only) or fail (stop the pipeline).
import type { RejectReason } from '../core/mapping.js';
import { ShiftstreamError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Codecs } from '../ports/codecs.js';
import type { SourceRecord } from '../ports/event-source.js';
import type { SinkRecord } from '../ports/event-sink.js';
import type { TopologyPlan } from '../topology/types.js';

export function rejectRecord(
  topology: TopologyPlan,
  codecs: Codecs,
  metrics: Metrics,
  rec: SourceRecord,
  reason: RejectReason,
  detail: string,
  out: SinkRecord[],
): void {
  metrics.inc('shiftstream_rejects_total', { reason });
  const where = `${rec.topic}[${rec.partition}]@${rec.offset}`;
  switch (topology.policies.rejected) {
    case 'drop':
      return;
    case 'fail':
      throw new ShiftstreamError('SHIFTSTREAM_INPUT_REJECTED', `${where}: rejected (${reason}): ${detail}`, {
        details: { policy: 'fail' },
      });
    default:
      out.push({
        topic: topology.topics.rejected,
        key: rec.key,
        value: codecs.rejected.encode({
          reason,
          detail: `${where}: ${detail}`,
          sourceTopic: rec.topic,
          sourcePartition: rec.partition,
          sourceOffset: rec.offset,
          sourceTimestampMs: rec.timestampMs,
          plantId: topology.plant.plantId,
          key: rec.key,
          payload: rec.value ?? Buffer.alloc(0),
        }),
      });
  }
}
