// The plant simulator: a pure, seeded generator of raw tag samples (see simulator.ts).
export { createPlantSimulator, simulateToArray } from './simulator.js';
export type { PlantSimulator, SilencePeriod } from './simulator.js';
export type { SimulatorOptions, ResolvedSimulatorOptions, DwellMeans, StopWeights, BreakSchedule } from './options.js';
export { resolveSimulatorOptions, DEFAULT_DWELL, DEFAULT_STOP_WEIGHTS } from './options.js';
export type { SampleAnnotation, SampleFlag, BadKind } from './annotation.js';
export { SAMPLE_FLAGS, BAD_KINDS } from './annotation.js';
export {
  SAMPLE_CSV_HEADER,
  csvField,
  formatIsoTs,
  sampleToCsvLine,
  sampleToNdjsonLine,
  samplesToCsv,
  samplesToNdjson,
} from './export.js';
export type { ExportFormatOptions } from './export.js';
export { Prng } from './prng.js';
export { syntheticPlan, type SyntheticPlanOptions } from './synthetic-plan.js';
