export { startHttpServer, type HttpServer, type HttpServerOptions } from './server.js';
export {
  createReadiness,
  type Readiness,
  type ReadinessCheck,
  type ReadinessProbe,
  type ReadinessReport,
} from './readiness.js';
