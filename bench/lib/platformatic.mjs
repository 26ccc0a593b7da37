// Loads @platformatic/kafka on the Node that runs the benchmark (Node 20 today).
/**
 * @platformatic/kafka 2.x declares Node >= 22 and uses Promise.withResolvers (ES2024), its only API missing
 * from Node 20 (checked in its dist/); the spec's definition is added here so it runs on the same Node as
 * every other row. Used by pass-through.mjs and
 * raw-consumer.mjs.
 */
export async function importPlatformatic() {
  if (typeof Promise.withResolvers !== 'function')
    Promise.withResolvers = function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => ((resolve = res), (reject = rej)));
      return { promise, resolve, reject };
    };
  return import('@platformatic/kafka');
}
