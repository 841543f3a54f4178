import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The gateway's layers, lowest first. A file may import its own layer and the layers below it,
 * never one above; docs/architecture.md draws the same picture. A new top-level folder must be
 * placed here before its code can be imported at all.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['common', 'config'],
  ['sqlite'],
  ['catalog'],
  ['data-plane'],
  ['replication'],
  ['backup'],
  ['orchestrator'],
  ['auth'],
  ['observability'],
  ['admin', 'data', 'health', 'system'],
  ['.'], // app.module, app.setup, main
];

type ImportGraph = Map<string, string[]>;

const ROOT = __dirname;
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every source file (relative to src/, without `.ts`) and the source files it imports. */
function importGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(ROOT)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((match) => relative(ROOT, resolve(dirname(file), match[1])).split(sep).join('/'));
    graph.set(relative(ROOT, file).split(sep).join('/').replace(/\.ts$/, ''), targets);
  }
  return graph;
}

function layerOf(file: string): number {
  const folder = file.includes('/') ? file.slice(0, file.indexOf('/')) : '.';
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

/** `a -> b` for each import of a higher layer (or of a folder no layer names). */
function upwardImports(graph: ImportGraph): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const from = layerOf(file);
      const to = layerOf(target);
      if (from < 0 || to < 0 || to > from) found.push(`${file} -> ${target}`);
    }
  }
  return found;
}

/** The import cycles, each as its files (strongly connected components of more than one file, or a file importing itself). */
function importCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      component.push(member);
      if (member === file) break;
    }
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

describe('layers of the gateway', () => {
  const graph = importGraph();

  it('reads the imports of the source files', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('app.module')).toEqual(expect.arrayContaining(['config/config.module']));
  });

  it('has no import of a higher layer', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('the checks find an upward import and a cycle when there is one', () => {
    const bad: ImportGraph = new Map([
      ['sqlite/driver', ['data-plane/rows']],
      ['data-plane/rows', ['sqlite/driver']],
      ['misc/thing', []],
      ['catalog/a', ['misc/thing']],
    ]);
    expect(upwardImports(bad)).toEqual(['sqlite/driver -> data-plane/rows', 'catalog/a -> misc/thing']);
    expect(importCycles(bad)).toEqual([['data-plane/rows', 'sqlite/driver']]);
  });
});
