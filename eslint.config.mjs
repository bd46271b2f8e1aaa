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
    files: ['**/*.ts'],
    rules: {},
  },
);
