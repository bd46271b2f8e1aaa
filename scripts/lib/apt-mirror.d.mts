// Types of apt-mirror.mjs, for the unit tests (test/unit/aptMirror.test.ts).
export interface AptEntry {
  uri: string;
  suites: string[];
  components: string[];
}
export function parseSources(files: { path: string; text: string }[]): AptEntry[];
export function findDebianMirror(entries: AptEntry[], suite: string, host?: { hostSuite?: string; hostIsDebian?: boolean }): string | null;
export function readAptSources(root?: string): { path: string; text: string }[];
