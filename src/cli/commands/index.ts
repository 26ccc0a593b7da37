// The command list. Add one import and one entry per command.
import type { CommandDef } from '../command.js';
import { doctorCommand } from './doctor.js';
import { lintCommand } from './lint.js';
import { postCommand } from './post.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { simulateCommand } from './simulate.js';

export const COMMANDS: readonly CommandDef[] = [
  doctorCommand,
  lintCommand,
  postCommand,
  replayCommand,
  reportCommand,
  runCommand,
  simulateCommand,
];
