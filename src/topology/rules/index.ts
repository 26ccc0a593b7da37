// The lint rule catalog. Rules run in this order on a schema-valid document; each rule's name is
// what `shiftstream lint` prints. `unique-tags` and `unique-keys` run while parsing (source.ts).
import { shiftsValid, validTimeZone } from './calendar.js';
import { sparkplugDatasetTags, sparkplugHost } from './ingest.js';
import { maintenanceRules } from './maintenance.js';
import { materialCodes } from './material.js';
import { odooLossKnown, odooLossType, odooLossUnused, odooMappingComplete } from './odoo.js';
import type { LintRule } from './rule.js';
import {
  countersNamed,
  oneStateTagPerMachine,
  stateMachineHasStateTag,
  uniqueTopics,
  unknownMachine,
  unknownWorkCenter,
} from './structure.js';
import { downNeedsReason, inspectionRule, reasonOnlyForDown, rolloverOnlyTotal, valueKeyCanonical } from './tags.js';
import {
  graceLtSmallestWindow,
  hoppingAdvanceDividesSize,
  shiftWindowMatchesCalendar,
  timeoutsPositive,
  uniqueWindowNames,
  windowSizesPositive,
} from './windows.js';

export type { LintRule, RuleContext } from './rule.js';

/** Rules that are not functions over the document but are found while parsing. */
export const PARSE_RULES: readonly Pick<LintRule, 'name' | 'severity' | 'summary'>[] = [
  { name: 'yaml-syntax', severity: 'error', summary: 'The file is one well-formed YAML document.' },
  { name: 'unique-tags', severity: 'error', summary: 'Each tag is declared once under `tags`.' },
  {
    name: 'unique-keys',
    severity: 'error',
    summary: 'No map repeats a key (YAML would silently keep the last one); `1` and `"1"` are the same key.',
  },
  {
    name: 'schema',
    severity: 'error',
    summary: 'The document matches the schema: known keys only, the right types, durations, ids and enums.',
  },
];

export const RULES: readonly LintRule[] = [
  unknownMachine,
  unknownWorkCenter,
  stateMachineHasStateTag,
  oneStateTagPerMachine,
  downNeedsReason,
  reasonOnlyForDown,
  rolloverOnlyTotal,
  valueKeyCanonical,
  inspectionRule,
  windowSizesPositive,
  hoppingAdvanceDividesSize,
  graceLtSmallestWindow,
  uniqueWindowNames,
  shiftWindowMatchesCalendar,
  timeoutsPositive,
  shiftsValid,
  validTimeZone,
  countersNamed,
  uniqueTopics,
  odooMappingComplete,
  odooLossType,
  odooLossKnown,
  odooLossUnused,
  maintenanceRules,
  materialCodes,
  sparkplugHost,
  sparkplugDatasetTags,
];
