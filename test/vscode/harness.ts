/**
 * A minimal test API for suites that run inside the VS Code extension host.
 *
 * Each `test/vscode/suite/*.test.ts` is bundled on its own by esbuild (with `vscode` external), so
 * each file gets its own copy of this module and its own list of tests. A suite file registers
 * tests at load time and must re-export the runners:
 *
 *   import { test, suite, before, after } from '../harness';
 *   export { run, runTests } from '../harness';
 *
 * - `runTests()` runs the file's tests and returns their results (used by the runner extension,
 *   test/vscode/runner/extension.js, under code-server).
 * - `run()` follows the @vscode/test-electron convention for `--extensionTestsPath`: it resolves
 *   when every test passed and rejects otherwise.
 *
 * Hooks (`before`, `after`) run once per file. A failing `before` fails every test of the file.
 */

export type TestFn = () => unknown | Promise<unknown>;

export interface TestOptions {
  /** Milliseconds before the test fails (default 60 000, or SANDBOXES_VSCODE_TEST_TIMEOUT_MS). */
  timeout?: number;
  skip?: boolean | string;
}

export interface TestResult {
  name: string;
  ok: boolean;
  skipped: boolean;
  durationMs: number;
  error?: string;
}

interface Entry {
  name: string;
  fn: TestFn;
  timeout: number;
  skip: boolean | string;
}

const DEFAULT_TIMEOUT = Number(process.env.SANDBOXES_VSCODE_TEST_TIMEOUT_MS) || 60_000;
const entries: Entry[] = [];
const beforeHooks: { fn: TestFn; timeout: number }[] = [];
const afterHooks: { fn: TestFn; timeout: number }[] = [];
const prefix: string[] = [];

/** Groups tests; the group name prefixes the test names ("group > test"). */
export function suite(name: string, body: () => void): void {
  prefix.push(name);
  try {
    body();
  } finally {
    prefix.pop();
  }
}
export const describe = suite;

/** Registers a test. */
export function test(name: string, fn: TestFn, options: TestOptions = {}): void {
  entries.push({
    name: [...prefix, name].join(' > '),
    fn,
    timeout: options.timeout ?? DEFAULT_TIMEOUT,
    skip: options.skip ?? false,
  });
}
test.skip = (name: string, fn: TestFn, options: TestOptions = {}) => test(name, fn, { ...options, skip: true });
export const it = test;

/** `timeout`: for hooks that start something slow (a second Docker engine); the tests' default otherwise. */
export function before(fn: TestFn, timeout = DEFAULT_TIMEOUT): void {
  beforeHooks.push({ fn, timeout });
}
export function after(fn: TestFn, timeout = DEFAULT_TIMEOUT): void {
  afterHooks.push({ fn, timeout });
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.stack || `${e.name}: ${e.message}`;
  return String(e);
}

async function withTimeout(fn: TestFn, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs this file's tests in order; never throws. */
export async function runTests(options: { onResult?: (r: TestResult) => void } = {}): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const report = (r: TestResult) => {
    results.push(r);
    try {
      options.onResult?.(r);
    } catch {
      /* a reporter must not break the run */
    }
  };
  let beforeError: string | undefined;
  for (const hook of beforeHooks) {
    try {
      await withTimeout(hook.fn, hook.timeout, 'before hook');
    } catch (e) {
      beforeError = `before hook failed: ${describeError(e)}`;
      break;
    }
  }
  for (const t of entries) {
    const start = Date.now();
    if (t.skip) {
      report({ name: t.name, ok: true, skipped: true, durationMs: 0, error: typeof t.skip === 'string' ? t.skip : undefined });
      continue;
    }
    if (beforeError) {
      report({ name: t.name, ok: false, skipped: false, durationMs: 0, error: beforeError });
      continue;
    }
    try {
      await withTimeout(t.fn, t.timeout, `test "${t.name}"`);
      report({ name: t.name, ok: true, skipped: false, durationMs: Date.now() - start });
    } catch (e) {
      report({ name: t.name, ok: false, skipped: false, durationMs: Date.now() - start, error: describeError(e) });
    }
  }
  for (const hook of afterHooks) {
    const start = Date.now();
    try {
      await withTimeout(hook.fn, hook.timeout, 'after hook');
    } catch (e) {
      report({ name: 'after hook', ok: false, skipped: false, durationMs: Date.now() - start, error: describeError(e) });
    }
  }
  return results;
}

/** The @vscode/test-electron entry point: resolves when all tests passed. */
export async function run(): Promise<void> {
  const results = await runTests({
    onResult: (r) => console.log(`${r.ok ? 'ok' : 'not ok'} - ${r.name}${r.skipped ? ' # SKIP' : ''}${r.error && !r.ok ? `\n  ${r.error.replace(/\n/g, '\n  ')}` : ''}`),
  });
  const failed = results.filter((r) => !r.ok).length;
  if (failed) throw new Error(`${failed} test(s) failed`);
}
