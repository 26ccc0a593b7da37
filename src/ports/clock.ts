// Port: the wall clock. The core never reads it; the engine passes `nowMs` in.
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
