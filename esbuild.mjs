// Bundles the extension and the engine into dist/. Type checking is separate: `npm run typecheck`.
//   node esbuild.mjs               development build, with source maps
//   node esbuild.mjs --production  minified, no source maps (what `npm run package` ships)
//   node esbuild.mjs --watch       rebuild on change
import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** `vscode` exists only inside the extension host: the engine (also a plain Node library) must never import it. */
const entries = [
  { entry: 'src/vscode/extension.ts', outfile: 'dist/extension.js', external: ['vscode'], coreAsLibrary: true },
  { entry: 'src/core/index.ts', outfile: 'dist/core.js', external: [], forbidVscode: true },
  { entry: 'src/core/reaper.ts', outfile: 'dist/reaper.js', external: [], forbidVscode: true },
  // Webview scripts run in the browser inside a panel (strict CSP, no Node): loaded only when one opens.
  { entry: 'src/webview/createForm.ts', outfile: 'dist/webview/createForm.js', external: [], forbidVscode: true, browser: true },
  { entry: 'src/webview/details.ts', outfile: 'dist/webview/details.js', external: [], forbidVscode: true, browser: true },
];

/** Fails the build with a clear message instead of esbuild's "Could not resolve". */
const forbidVscode = {
  name: 'forbid-vscode',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => ({
      errors: [{ text: `src/core must not import "vscode" (imported by ${args.importer}); it also ships as a plain Node library.` }],
    }));
  },
};

/**
 * dockerode's SSH transport (ssh2) tries optional native add-ons inside try/catch and falls
 * back to pure JavaScript. They cannot be bundled and the .vsix ships no node_modules, so
 * leave them unresolved: the fallback is taken at run time.
 */
const optionalNativeAddons = {
  name: 'optional-native-addons',
  setup(build) {
    build.onResolve({ filter: /\.node$|^cpu-features$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * The extension loads the engine from dist/core.js at run time instead of bundling a second copy
 * (the engine with dockerode and the X.509 code is most of the package). Only the engine's public
 * index may be imported with values; type-only imports of its modules are erased anyway.
 */
const coreAsLibrary = {
  name: 'core-as-library',
  setup(build) {
    build.onResolve({ filter: /(^|\/)core(\/.*)?$/ }, (args) => {
      if (!args.importer.includes('/src/vscode/')) return undefined;
      const target = path.resolve(args.resolveDir, args.path);
      const core = path.resolve('src/core');
      if (target === core || target === path.join(core, 'index') || target === path.join(core, 'index.ts')) return { path: './core.js', external: true };
      if (target.startsWith(core + path.sep)) {
        return { errors: [{ text: `src/vscode imports ${args.path}: import the engine from its index ('../core'), which ships as dist/core.js.` }] };
      }
      return undefined;
    });
  },
};

/** One line per build, in the format the esbuild problem matcher of VS Code tasks understands. */
const reportProblems = (outfile) => ({
  name: 'report-problems',
  setup(build) {
    build.onStart(() => console.log(`[watch] build started (${outfile})`));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log(`[watch] build finished (${outfile})`);
    });
  },
});

const present = entries.filter(({ entry }) => {
  if (existsSync(entry)) return true;
  // The reaper is still being written; the build must not fail until it lands.
  console.warn(`[esbuild] skipping ${entry}: the file does not exist yet.`);
  return false;
});

if (production && existsSync('dist')) {
  // Maps from an earlier development build must not be packaged next to minified code.
  for (const file of readdirSync('dist', { recursive: true }).filter((name) => name.endsWith('.map'))) rmSync(`dist/${file}`);
}

const contexts = await Promise.all(
  present.map(({ entry, outfile, external, forbidVscode: forbid, coreAsLibrary: asLibrary, browser }) =>
    esbuild.context({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: browser ? 'iife' : 'cjs',
      platform: browser ? 'browser' : 'node',
      // The webviews of VS Code 1.90's Electron (Chromium 122) and of code-server's browsers.
      target: browser ? 'es2022' : 'node20',
      external,
      minify: production,
      sourcemap: !production,
      sourcesContent: false,
      logLevel: watch ? 'silent' : 'warning',
      plugins: [optionalNativeAddons, ...(asLibrary ? [coreAsLibrary] : []), ...(forbid ? [forbidVscode] : []), ...(watch ? [reportProblems(outfile)] : [])],
    }),
  ),
);

if (watch) {
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  try {
    await Promise.all(contexts.map((context) => context.rebuild()));
  } catch {
    // esbuild has already printed the errors.
    process.exitCode = 1;
  } finally {
    await Promise.all(contexts.map((context) => context.dispose()));
  }
}
