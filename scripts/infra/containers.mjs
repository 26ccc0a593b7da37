// Opt-in Docker path (SHIFTSTREAM_USE_TESTCONTAINERS=1 and an engine that answers): the same three
// servers from images through testcontainers. Not exercised on machines without Docker.
import { run, log } from './util.mjs';

export function dockerEngineAnswers() {
  const r = run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
  return r.ok && r.output.trim().length > 0;
}

/** Starts the servers named in `which` ('kafka' | 'registry' | 'redis'); returns their addresses and container ids. */
export async function startContainers(which) {
  // Containers must outlive this process when `infra up` runs alone; `down` removes them by id.
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const { GenericContainer, Wait } = await import('testcontainers');
  const out = {};
  if (which.includes('kafka')) {
    const c = await new GenericContainer('apache/kafka:4.1.1')
      .withExposedPorts({ container: 9092, host: 9092 })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(120_000)
      .start();
    out.kafka = { address: '127.0.0.1:9092', containerId: c.getId() };
    log('kafka', `container ${c.getId().slice(0, 12)} (apache/kafka:4.1.1) on 127.0.0.1:9092`);
  }
  if (which.includes('registry')) {
    const c = await new GenericContainer('apicurio/apicurio-registry:3.3.3')
      .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
      .withStartupTimeout(120_000)
      .start();
    out.registry = { url: `http://${c.getHost()}:${c.getMappedPort(8080)}/apis/ccompat/v7`, containerId: c.getId() };
    log('registry', `container ${c.getId().slice(0, 12)} at ${out.registry.url}`);
  }
  if (which.includes('redis')) {
    const c = await new GenericContainer('redis:7-alpine')
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept/))
      .start();
    out.redis = { url: `redis://${c.getHost()}:${c.getMappedPort(6379)}`, containerId: c.getId() };
    log('redis', `container ${c.getId().slice(0, 12)} at ${out.redis.url}`);
  }
  return out;
}

export function removeContainer(id) {
  const r = run('docker', ['rm', '-f', id], { timeout: 60_000 });
  return r.ok ? 'removed' : `docker rm failed: ${r.output.trim()}`;
}
