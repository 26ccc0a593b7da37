// The command list. Add one import and one entry per command.
import type { CommandDef } from '../command.js';

export const COMMANDS: readonly CommandDef[] = [];
