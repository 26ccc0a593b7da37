// A minimal Kafka wire client for readiness: ApiVersions v0 and Metadata v4..v7, the two requests
// that prove a broker answers real protocol traffic. Built-ins only.
import { tcpExchange } from './util.mjs';

const API_VERSIONS = 18;
const METADATA = 3;

function frame(apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from('shiftstream-infra');
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

const complete = (buf) => buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0);

/** ApiVersions v0: resolves a Map apiKey -> { min, max }. */
export async function apiVersions(host, port, timeoutMs = 2000) {
  const buf = await tcpExchange({
    host,
    port,
    request: frame(API_VERSIONS, 0, 1, Buffer.alloc(0)),
    done: complete,
    timeoutMs,
  });
  let o = 8; // size + correlation id
  const errorCode = buf.readInt16BE(o);
  o += 2;
  if (errorCode !== 0) throw new Error(`ApiVersions error code ${errorCode}`);
  const count = buf.readInt32BE(o);
  o += 4;
  const ranges = new Map();
  for (let i = 0; i < count; i++) {
    ranges.set(buf.readInt16BE(o), { min: buf.readInt16BE(o + 2), max: buf.readInt16BE(o + 4) });
    o += 6;
  }
  return ranges;
}

/** Metadata (all topics): resolves { brokers: [{ nodeId, host, port }], controllerId }. */
export async function metadata(host, port, timeoutMs = 2000) {
  const ranges = await apiVersions(host, port, timeoutMs);
  const range = ranges.get(METADATA);
  if (!range) throw new Error('broker does not list the Metadata API');
  const version = Math.max(range.min, 4);
  if (version > Math.min(range.max, 7))
    throw new Error(`broker Metadata versions ${range.min}..${range.max} do not overlap 4..7`);
  const body = Buffer.alloc(5);
  body.writeInt32BE(-1, 0); // null topic list = all topics
  body.writeInt8(0, 4); // allow_auto_topic_creation = false
  const buf = await tcpExchange({ host, port, request: frame(METADATA, version, 2, body), done: complete, timeoutMs });
  let o = 8 + 4; // size + correlation id + throttle_time_ms
  const count = buf.readInt32BE(o);
  o += 4;
  const brokers = [];
  for (let i = 0; i < count; i++) {
    const nodeId = buf.readInt32BE(o);
    const hostLen = buf.readInt16BE(o + 4);
    const brokerHost = buf.toString('utf8', o + 6, o + 6 + hostLen);
    o += 6 + hostLen;
    const brokerPort = buf.readInt32BE(o);
    o += 4;
    const rackLen = buf.readInt16BE(o);
    o += 2 + Math.max(rackLen, 0);
    brokers.push({ nodeId, host: brokerHost, port: brokerPort });
  }
  const clusterIdLen = buf.readInt16BE(o);
  o += 2 + Math.max(clusterIdLen, 0);
  const controllerId = buf.readInt32BE(o);
  return { brokers, controllerId };
}
