/**
 * The CLI's import graph (structure.md, "A CLI graph without cycles"): `main.ts` imports the
 * commands, the commands import shared modules, and nothing imports back up. Read from the
 * sources' own import statements (type-only ones included, as they tie modules just the same).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support.ts';

const CLI_DIR = join(REPO_ROOT, 'cli');
const COMMANDS_DIR = join(CLI_DIR, 'commands');

/** Static `import`/`export ... from` and dynamic `import('...')` of relative modules. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => resolve(dirname(file), match[1] as string));
}

/** Each CLI module with the CLI modules it imports (imports of `functions/` and packages left out). */
function cliGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourcesUnder(CLI_DIR)) {
    graph.set(file, importsOf(file).filter((target) => target.startsWith(`${CLI_DIR}/`)));
  }
  return graph;
}

/** Every cycle's files, found by a depth-first search that reports each back edge's loop. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(path.slice(path.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

const name = (file: string) => relative(REPO_ROOT, file);

describe('the CLI import graph', () => {
  const graph = cliGraph();

  it('reads the commands and what they import', () => {
    expect(graph.get(join(CLI_DIR, 'main.ts'))).toContain(join(COMMANDS_DIR, 'users.ts'));
    expect(graph.get(join(COMMANDS_DIR, 'users.ts'))).toContain(join(CLI_DIR, 'views.ts'));
  });

  it('has no cycle', () => {
    expect(cycles(graph).map((cycle) => cycle.map(name))).toEqual([]);
  });

  it('has no command importing another command or main.ts', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      file.startsWith(`${COMMANDS_DIR}/`)
        ? targets.filter((target) => target.startsWith(`${COMMANDS_DIR}/`) || target === join(CLI_DIR, 'main.ts')).map((target) => `${name(file)} -> ${name(target)}`)
        : [],
    );
    expect(upward).toEqual([]);
  });

  it('finds a cycle where there is one (the check itself)', () => {
    const a = '/x/a.ts';
    const b = '/x/b.ts';
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toEqual([[a, b]]);
    expect(cycles(new Map([[a, [b]], [b, []]]))).toEqual([]);
  });
});
