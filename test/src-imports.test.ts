/**
 * What ships stays apart from what stands in for AWS or tests it: no file under a workspace's
 * `src/` imports from `local/`, `shared/test-support/`, a `test/` folder or `conformance/`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const REPO = join(__dirname, '..');
const FORBIDDEN = [/^local\//, /^shared\/test-support\//, /(^|\/)test\//, /^conformance\//];

/** Every module specifier in a source file: static and dynamic imports, re-exports, require. */
function specifiers(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** The repository-relative paths of what `file` imports from outside its own package name space. */
function devImports(file: string): string[] {
  return specifiers(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(REPO, resolve(dirname(file), s)))
    .filter((path) => FORBIDDEN.some((rule) => rule.test(path)));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.[cm]?[jt]s$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

const workspaces = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

describe('runtime code imports no dev or test code', () => {
  it('finds every kind of import', () => {
    const source = `import a from '../x'; import type { B } from "./y"; export * from '../z'; import '../w'; const c = require('../v'); void import('../u');`;
    expect(specifiers(source)).toEqual(['../x', './y', '../z', '../w', '../v', '../u']);
  });

  it.each(workspaces)('%s/src', (workspace) => {
    const files = sourceFiles(join(REPO, workspace, 'src'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.flatMap((file) => devImports(file).map((path) => `${relative(REPO, file)} imports ${path}`))).toEqual([]);
  });
});
