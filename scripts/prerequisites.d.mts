// Types of scripts/prerequisites.mjs for the TypeScript tests.
export interface PrerequisiteCheck {
  readonly name: string;
  /** What needs it (shown when it is missing). */
  readonly why: string;
  readonly ok: boolean;
  /** What was found: a version and a path, or why nothing was. */
  readonly found: string;
  readonly apt?: readonly string[];
  readonly brew?: readonly string[];
  readonly aptNote?: string;
  readonly brewNote?: string;
}
interface Where {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: string;
}
export declare function findExecutable(
  names: readonly string[],
  options?: { readonly env?: Readonly<Record<string, string | undefined>>; readonly extraDirs?: readonly string[] },
): string | null;
export declare function findChromium(options?: Where): string | null;
export declare function checkPrerequisites(options?: Where): PrerequisiteCheck[];
export declare function formatReport(checks: readonly PrerequisiteCheck[]): string;
