// One turn of the event loop: long synchronous work of a stage gives way between its steps, so
// that I/O callbacks (the critical lane's consume and delivery reports above all) run meanwhile.
// setImmediate, not a resolved promise: microtasks run before any I/O callback.

/** Resolves after the I/O callbacks that are due have run. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
