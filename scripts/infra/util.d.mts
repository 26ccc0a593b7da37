// Types of the parts of scripts/infra/util.mjs the TypeScript tests use.
export declare function stopPid(
  pid: number,
  timeoutMs?: number,
): Promise<'not running' | 'stopped' | 'killed after timeout'>;
export declare function pidAlive(pid: number): boolean;
