// A deadline for a graceful stop (config `run.shutdownTimeoutMs`). After SIGINT/SIGTERM, `run` and
// `post` flush, checkpoint and commit; a server that stops answering at that moment (Kafka
// mid-rebalance, Redis gone) must not keep the process up forever, or an orchestrator's stop turns
// into a kill -9 with nobody told why. When the deadline passes, `onExpired` runs once (the
// commands log and exit 4). Nothing is lost by that exit: what was not checkpointed and committed
// is read again on restart (README: delivery guarantee). A second Ctrl-C still kills at once.

export interface StopDeadline {
  /** Cancels the deadline (the stop finished in time, or the command ended otherwise). */
  cancel(): void;
}

export function armStopDeadline(signal: AbortSignal, timeoutMs: number, onExpired: () => void): StopDeadline {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    timer = setTimeout(onExpired, timeoutMs);
    timer.unref(); // the deadline never keeps a process alive that has finished stopping
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    cancel() {
      signal.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
