import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateConfig } from './app-config';

const ROOT = resolve(__dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** `NAME=value` lines of .env.example (comments and blank lines aside). */
function envExample(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of read('.env.example').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) entries.set(match[1]!, match[2]!);
  }
  return entries;
}

/** The rows of README's Configuration table: every backticked variable of the first cell, with the row's default cell. */
function readmeTable(): Map<string, string> {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const table = section.slice(0, section.indexOf('\n## '));
  const rows = new Map<string, string>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    for (const [, name] of cells[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) rows.set(name!, cells[2]!);
  }
  return rows;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(name) && !/\.spec\.ts$/.test(name) ? [path] : [];
  });
}

/** Every variable the service reads: AppConfig's properties, and any `process.env.X` read (not assigned) in src/. */
function variablesRead(): Set<string> {
  const names = new Set<string>();
  for (const [, name] of read('src/infrastructure/config/app-config.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]*)[?!]?(?::|\s=)/gm)) names.add(name!);
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const [, name] of readFileSync(file, 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]*)\b(?!\s*=[^=])/g)) names.add(name!);
    for (const [, name] of readFileSync(file, 'utf8').matchAll(/process\.env\[['"]([A-Z][A-Z0-9_]*)['"]\](?!\s*=[^=])/g)) names.add(name!);
  }
  return names;
}

/** Set by the service for the embedded database's initdb, and DATABASE_URL rewritten by it; not configuration. */
const NOT_CONFIGURATION = new Set(['LANG', 'LC_ALL']);

/** Unset means this value for these (AppConfig keeps them unset); .env.example shows the meaning. */
const UNSET_MEANS: Record<string, string> = { TRUST_PROXY: 'false' };

const missing = (from: Set<string> | Map<string, string>, names: Iterable<string>) => [...names].filter((name) => !from.has(name)).sort();

describe('.env.example and README Configuration table', () => {
  const example = envExample();
  const table = readmeTable();
  const used = new Set([...variablesRead()].filter((name) => !NOT_CONFIGURATION.has(name)));

  it('list every variable the service reads, and only those', () => {
    const problems = [
      ['read in src/ but missing from .env.example', missing(example, used)],
      ["read in src/ but missing from README's Configuration table", missing(table, used)],
      ["in .env.example but missing from README's Configuration table", missing(table, example.keys())],
      ["in README's Configuration table but missing from .env.example", missing(example, table.keys())],
      ['in .env.example but read nowhere in src/', missing(used, example.keys())],
    ]
      .filter(([, names]) => names.length > 0)
      .map(([what, names]) => `${what}: ${(names as string[]).join(', ')}`);
    expect(problems).toEqual([]);
  });

  it("give AppConfig's own defaults, and the README the same ones", () => {
    const defaults = validateConfig({}) as unknown as Record<string, unknown>;
    const problems: string[] = [];
    for (const [name, value] of example) {
      const actual = defaults[name];
      const shown = actual === undefined ? (UNSET_MEANS[name] ?? '') : String(actual);
      if (shown !== value) problems.push(`${name}: .env.example says "${value}", AppConfig's default is "${shown}"`);
      const cell = table.get(name);
      if (value !== '' && cell !== undefined && !cell.replace(/[,_]/g, '').includes(`\`${value.replace(/[,_]/g, '')}\``)) {
        problems.push(`${name}: README's default cell "${cell}" does not show \`${value}\``);
      }
    }
    expect(problems).toEqual([]);
  });
});
