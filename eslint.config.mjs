// ESLint (flat config) with typescript-eslint's recommended rules. `npm run lint`; `npm test` runs
// it first (suite `lint`, with `npm run format:check`).
//
// Why the resolver hook below: the project compiles with TypeScript 7 (the native compiler), whose
// npm package has no JavaScript API, while typescript-eslint parses with the classic API
// (`require('typescript')`). `typescript-classic` (an alias of typescript@6.0, the newest release
// typescript-eslint supports) serves those requests; nothing else sees it, and `npm run typecheck`
// stays on TypeScript 7. package.json's `overrides` let npm accept the peer range.
import Module from 'node:module';
import js from '@eslint/js';
import globals from 'globals';

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const fromLinter = parent?.filename && /[\\/]node_modules[\\/](@typescript-eslint|typescript-eslint|ts-api-utils)[\\/]/.test(parent.filename);
  if (fromLinter && (request === 'typescript' || request.startsWith('typescript/'))) {
    request = request.replace(/^typescript/, 'typescript-classic');
  }
  return resolve.call(this, request, parent, ...rest);
};
const { default: tseslint } = await import('typescript-eslint');

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'media/', '.cache/', '.scratch/', 'bench/results/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Scripts, the build and the test harness run in Node.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs' },
    // CommonJS files load modules with require().
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // UI tests and the editor benchmark pass functions to the browser page (page.evaluate).
    files: ['test/vscode/ui/**', 'bench/vscode/**', 'bench/vscode.bench.ts', 'scripts/lib/codeServer.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    rules: {
      // `_` names a value dropped on purpose (`for await (const _ of …)`, `{ dropped: _, ...rest }`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `run(…) || fail(…)` and `socket.resetAndDestroy?.() ?? socket.destroy()` read as "or else".
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    // Issue #11: one job per file, no function over 60 lines (pure tables are not functions).
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 350 }],
      'max-lines-per-function': ['error', { max: 60, IIFEs: true }],
    },
  },
  {
    // These match control characters on purpose: terminal escapes and C0 controls stripped from
    // untrusted text, NUL refused in domain names, and the tests that feed them.
    files: ['src/vscode/untrustedText.ts', 'src/core/network/domains.ts', 'test/unit/markupInjection.test.ts'],
    rules: { 'no-control-regex': 'off' },
  },
);
