// The command list. Add one import and one entry per command.
import type { CommandDef } from '../command.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { dlqCommand } from './dlq.js';
import { lintCommand } from './lint.js';
import { ordersCommand } from './orders.js';
import { postCommand } from './post.js';
import { reconcileCommand } from './reconcile.js';
import { printConfigCommand } from './print-config.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { schemasCommand } from './schemas.js';
import { simulateCommand } from './simulate.js';

export const COMMANDS: readonly CommandDef[] = [
  demoCommand,
  dlqCommand,
  doctorCommand,
  lintCommand,
  ordersCommand,
  postCommand,
  reconcileCommand,
  printConfigCommand,
  replayCommand,
  reportCommand,
  runCommand,
  schemasCommand,
  simulateCommand,
];
