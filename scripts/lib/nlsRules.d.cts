/** Types of nlsRules.cjs (for the TypeScript tests that import it). */
export interface ContributionString {
  path: (string | number)[];
  value: string;
  key: string;
}
export function contributionStrings(manifest: unknown): ContributionString[];
export function nlsKeyOf(value: string): string | undefined;
export function jsonPath(path: (string | number)[]): string;
