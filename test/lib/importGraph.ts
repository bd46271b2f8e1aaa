/**
 * The import graph of src/, type-only imports included: esbuild's metafile would drop those
 * (they are erased before bundling), yet a type-level cycle still says a service lives in the
 * wrong place. Reads each file's import/export-from/import() specifiers after removing comments
 * and string-free noise; resolves relative paths the way the TypeScript config does (`.ts`, then
 * `/index.ts`). Package imports (`vscode`, `dockerode`, node:*) are not edges.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const REPO = path.join(__dirname, '..', '..');

/** Every .ts file under `dir` (repo-relative, forward slashes). */
export function sourceFiles(dir = 'src'): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(REPO, rel)).sort()) {
      const child = `${rel}/${name}`;
      if (statSync(path.join(REPO, child)).isDirectory()) walk(child);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(child);
    }
  };
  walk(dir);
  return out;
}

/** Module specifiers a TypeScript source names: `import … from`, `export … from`, `import '…'`, `import('…')`. */
export function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/g, /\bimport\s*(['"])([^'"]+)\1/g, /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g];
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) found.push(m[2]);
  return found;
}

/** Resolves a relative specifier from `file` to a repo-relative .ts file, or undefined for packages. */
export function resolveImport(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
    try {
      if (statSync(path.join(REPO, candidate)).isFile()) return candidate;
    } catch {
      /* try the next form */
    }
  }
  throw new Error(`${file} imports ${specifier}, which resolves to no file`);
}

/** file → the repo files it imports (types included). */
export function importGraph(files = sourceFiles()): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiers(readFileSync(path.join(REPO, file), 'utf8')).map((s) => resolveImport(file, s));
    graph.set(file, [...new Set(targets.filter((t): t is string => t !== undefined))].sort());
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): each is a cycle. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}
