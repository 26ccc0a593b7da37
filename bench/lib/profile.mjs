// Summary of a V8 .cpuprofile (node --cpu-prof, or the inspector's Profiler): self time by function and by
// area (our core, engine, io; kafkajs, node-rdkafka, avsc; node internals; GC; idle), for "where the time goes".
import { readFileSync } from 'node:fs';

function areaOf(url, fn) {
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return '(program): native code outside JS (V8, C++ bindings such as node-rdkafka)';
  if (url === '' && /^(KafkaConsumer|Producer|KafkaClient|AdminClient)$/.test(fn))
    return 'node-rdkafka native calls (consume, produce, commit)';
  if (url.includes('/node_modules/kafkajs/')) return 'kafkajs';
  if (url.includes('/node_modules/node-rdkafka/')) return 'node-rdkafka (JS side)';
  if (url.includes('/node_modules/avsc/')) return 'avsc';
  if (url.includes('/node_modules/ioredis/') || url.includes('/node_modules/redis')) return 'ioredis';
  if (url.includes('/node_modules/prom-client/')) return 'prom-client';
  if (url.includes('/node_modules/pino')) return 'pino';
  if (url.includes('/node_modules/yaml/')) return 'yaml';
  if (url.includes('/node_modules/')) return 'other node_modules';
  const m = /\/(?:dist|\.cache\/ab-[^/]+)\/([a-z-]+)\//.exec(url);
  if (m) return `shiftstream ${m[1]}`;
  if (url.startsWith('node:') || url === '') return 'node internals / builtins';
  return 'other';
}

export function summarizeProfile(file, top = 15) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < p.samples.length; i++)
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fns = new Map();
  const areas = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const area = areaOf(cf.url, cf.functionName);
    if (area === 'idle') continue;
    total += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key =
      `${cf.functionName || '(anonymous)'} ` +
      `${cf.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us) => +((us / total) * 100).toFixed(1);
  return {
    busyMs: Math.round(total / 1000),
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, ms: Math.round(us / 1000), pct: pct(us) })),
    topFunctions: [...fns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pct: pct(us) })),
  };
}
