// The broker's own ApiVersions v3 answer (lives in src/io/probes, shared with `shiftstream doctor`).
export {
  fetchApiVersions,
  releaseOfMetadataLevel,
  type BrokerApiVersions,
} from '../../../src/io/probes/kafka-api-versions.js';
