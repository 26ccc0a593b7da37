// The drain's share of capacity (issue 11: "after recovery it drains in order, at a configurable
// share of capacity, so live data keeps flowing"). Pure: times are arguments.
//
// Capacity is what the forwarder achieves sending back to back, so a batch's own commit time is its
// measure: after a batch of the drain that took `commitMs`, the forwarder waits
// commitMs * (1 - share) / share, so that over the drain it is busy `share` of the time and sends
// at about `share` of the rate it could. The rest of the process's time (one thread: the MQTT
// intake, its spool appends and PUBACKs) and of the broker stays for live data.
//
// A drain is the backlog found when Kafka answers again (after an outage, or at start with what an
// earlier process left): it begins there and ends once the spool holds less than one batch. Live
// input that merely fills a batch is never paced.

/** The wait after a drain batch that took `commitMs`, for a share in (0, 1]; 0 at share 1. */
export function drainPauseMs(commitMs: number, share: number): number {
  if (!(share > 0 && share <= 1)) throw new RangeError(`drain share: expected a number in (0, 1], found ${share}`);
  if (share === 1 || commitMs <= 0) return 0;
  return (commitMs * (1 - share)) / share;
}

/** A drain begins when Kafka answers with at least one full batch spooled, and lasts while one remains. */
export function isDraining(depth: number, batchRecords: number): boolean {
  return depth >= batchRecords;
}
