// The acknowledgements of messages in flight, released in the order the messages came: an entry's
// acknowledgement goes out once its own handler resolved and every entry before it is settled (MQTT
// 3.1.1 4.6.0-2 and 5 4.6.0-2: PUBACKs in the order of the PUBLISHes). An entry whose handler failed
// is settled without an acknowledgement (the broker delivers it again after a reconnect). At most
// `limit` entries are in flight: past it, `whenRoom` holds the caller (mqtt.js's packet pump) back.

export class AckWindow<C> {
  // A queue as an array and a head index: shift() on an array of up to `limit` entries, once per
  // message, was a few % of the CLI's CPU.
  private entries: { id: number | undefined; conn: C; state: 'pending' | 'ok' | 'failed' }[] = [];
  private head = 0;
  private readonly waiting: (() => void)[] = [];
  private waitingHead = 0;

  constructor(
    private readonly limit: number,
    /** Sends the acknowledgement of `id`, received on `conn`. */
    private readonly send: (id: number, conn: C) => void,
  ) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /**
   * A message came on `conn` (`id` undefined: nothing to acknowledge, QoS 0). Call the result once
   * its handler settled.
   */
  add(id: number | undefined, conn: C): (ok: boolean) => void {
    const entry = { id, conn, state: 'pending' as 'pending' | 'ok' | 'failed' };
    this.entries.push(entry);
    return (ok) => {
      if (entry.state !== 'pending') return;
      entry.state = ok ? 'ok' : 'failed';
      this.release();
    };
  }

  /** Calls `go` at once when fewer than `limit` are in flight, else once one more is released. */
  whenRoom(go: () => void): void {
    if (this.size < this.limit && this.waiting.length === this.waitingHead) go();
    else this.waiting.push(go);
  }

  private release(): void {
    const entries = this.entries;
    while (this.head < entries.length && entries[this.head]!.state !== 'pending') {
      const e = entries[this.head++]!;
      if (e.state === 'ok' && e.id !== undefined) this.send(e.id, e.conn);
    }
    if (this.head === entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= entries.length) {
      this.entries = entries.slice(this.head);
      this.head = 0;
    }
    while (this.waiting.length > this.waitingHead && this.size < this.limit) {
      const go = this.waiting[this.waitingHead++]!;
      if (this.waitingHead === this.waiting.length) {
        this.waiting.length = 0;
        this.waitingHead = 0;
      }
      go();
    }
  }
}
