import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_DEFAULTS } from '../src/config/load-gateway-config';

const repo = resolve(__dirname, '../../..');
const README = join(repo, 'README.md');
const DOCS = join(repo, 'docs');
const CONFIGURATION = join(DOCS, 'configuration.md');

const MAX_README_LINES = 260;
const WORDS_NOT_IN_README = [/issue/i, /closing note/i, /MISSED/i];

interface DocumentedVariable {
  name: string;
  defaultCell: string;
  line: number;
}

/** The rows of the first table whose header starts with `| variable | default |`. */
export function documentedVariables(markdown: string): DocumentedVariable[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*variable\s*\|\s*default\s*\|/i.test(line));
  if (header < 0) throw new Error('no "| variable | default | meaning |" table');
  const rows: DocumentedVariable[] = [];
  for (let index = header + 2; index < lines.length && lines[index].trim().startsWith('|'); index++) {
    const cells = lines[index].split('|').slice(1, -1).map((cell) => cell.trim());
    const name = /^`([A-Z0-9_]+)`$/.exec(cells[0] ?? '')?.[1];
    if (!name) throw new Error(`line ${index + 1}: the variable cell is not one \`NAME\`: ${cells[0]}`);
    rows.push({ name, defaultCell: cells[1] ?? '', line: index + 1 });
  }
  return rows;
}

/** The default a cell states: its first `code` span, or '' for a cell that starts with "(none)". */
export function statedDefault(cell: string): string | undefined {
  if (/^\(none\)/i.test(cell)) return '';
  return /^`([^`]*)`/.exec(cell)?.[1];
}

/** Relative link targets of a Markdown text (inline links and images), without their #fragment. */
export function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const targets = [...withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]);
  return targets
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => decodeURIComponent(target.split('#')[0]));
}

const docsPages = (): string[] =>
  readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(DOCS, name));

describe('docs/configuration.md against CONFIG_DEFAULTS', () => {
  const rows = documentedVariables(readFileSync(CONFIGURATION, 'utf8'));
  const documented = new Map(rows.map((row) => [row.name, row]));

  it('lists every variable the gateway reads', () => {
    const missing = Object.keys(CONFIG_DEFAULTS).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it('lists no variable the gateway does not read, and none twice', () => {
    const unknown = rows.filter((row) => !(row.name in CONFIG_DEFAULTS)).map((row) => row.name);
    expect(unknown).toEqual([]);
    expect(rows.length).toBe(documented.size);
  });

  it('states each default as the code has it', () => {
    const wrong = rows
      .filter((row) => row.name in CONFIG_DEFAULTS)
      .map((row) => ({
        name: row.name,
        documented: statedDefault(row.defaultCell),
        code: CONFIG_DEFAULTS[row.name as keyof typeof CONFIG_DEFAULTS],
      }))
      .filter(({ documented, code }) => documented !== code);
    expect(wrong).toEqual([]);
  });
});

describe('README.md', () => {
  const readme = readFileSync(README, 'utf8');

  it(`is at most ${MAX_README_LINES} lines`, () => {
    expect(readme.replace(/\n$/, '').split('\n').length).toBeLessThanOrEqual(MAX_README_LINES);
  });

  it('speaks of the product only', () => {
    const found = WORDS_NOT_IN_README.filter((word) => word.test(readme)).map(String);
    expect(found).toEqual([]);
  });
});

describe('relative links of README.md and docs/*.md', () => {
  it.each([README, ...docsPages()].map((path) => [path.slice(repo.length + 1), path]))('%s points only to files that exist', (_name, path) => {
    const broken = relativeLinks(readFileSync(path, 'utf8')).filter((target) => !existsSync(resolve(dirname(path), target)));
    expect(broken).toEqual([]);
  });
});

describe('the parsers of this spec', () => {
  it('read a default cell', () => {
    expect(statedDefault('`127.0.0.1`')).toBe('127.0.0.1');
    expect(statedDefault('`json` (`pretty` when ...)')).toBe('json');
    expect(statedDefault('(none): the data directory')).toBe('');
    expect(statedDefault('unset')).toBeUndefined();
  });

  it('find relative links, not URLs, anchors or code', () => {
    const text = '[a](docs/a.md) [b](https://x.org) [c](#top) [d](b.md#part) `[e](e.md)`\n```\n[f](f.md)\n```\n![g](img/g.png)';
    expect(relativeLinks(text)).toEqual(['docs/a.md', 'b.md', 'img/g.png']);
  });
});
