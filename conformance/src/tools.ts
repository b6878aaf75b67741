/**
 * The independent test tools, run with their own Node 22: the conformance suite needs Node ≥ 22
 * (`fs.globSync`) and the Inspector ≥ 22.19, while the workspaces stay on Node 20. All of it lives
 * in conformance/tools with its own lock file, and nothing is installed globally.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const TOOLS_DIR = join(__dirname, '..', 'tools');
const modules = join(TOOLS_DIR, 'node_modules');

export const tools = {
  /** The platform package ships the binary itself; the `node` package needs an install script npm 11 skips. */
  node: join(modules, 'node22', 'bin', 'node'),
  conformance2025: join(modules, 'conformance', 'dist', 'index.js'),
  conformance2026: join(modules, 'conformance-alpha', 'dist', 'index.js'),
  inspector: join(modules, 'inspector', 'clients', 'launcher', 'build', 'index.js'),
};

/** Installs the tools from the lock file on first use (`npm ci`, about 30 s), then never again. */
export function ensureTools(log: (line: string) => void = () => {}): void {
  if (Object.values(tools).every((path) => existsSync(path))) return;
  log(`installing the conformance tools into ${TOOLS_DIR} (npm ci)`);
  execFileSync('npm', ['ci', '--prefix', TOOLS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const missing = Object.entries(tools).filter(([, path]) => !existsSync(path));
  if (missing.length) throw new Error(`conformance tools missing after npm ci: ${missing.map(([name]) => name).join(', ')}`);
}
