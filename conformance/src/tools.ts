/**
 * The independent test tools, run with their own Node 22: the conformance suite needs Node ≥ 22
 * (`fs.globSync`) and the Inspector ≥ 22.19, while the workspaces stay on Node 20. All of it lives
 * in conformance/tools with its own lock file, and nothing is installed globally. `npm run
 * conformance` and `npm run inspector` (local/inspector.ts) both use it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
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

const installed = () => Object.values(tools).every((path) => existsSync(path));

// Test workers or two terminals may ask at once; two `npm ci` in one folder break each other.
const LOCK = join(TOOLS_DIR, '.installing');
const STALE_LOCK_MS = 5 * 60_000;
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Installs the tools from the lock file on first use (`npm ci`, about 30 s), then never again. */
export function ensureTools(log: (line: string) => void = () => {}): void {
  // The files appear while npm ci still writes them: only a released lock means they are done.
  if (installed() && !existsSync(LOCK)) return;
  while (!tryLock()) sleep(500);
  try {
    if (installed()) return;
    log(`installing Node 22 and the MCP test tools into ${TOOLS_DIR} (npm ci, once, about 30 s)`);
    execFileSync('npm', ['ci', '--prefix', TOOLS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const missing = Object.entries(tools).filter(([, path]) => !existsSync(path));
    if (missing.length) throw new Error(`conformance tools missing after npm ci: ${missing.map(([name]) => name).join(', ')}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** mkdir is atomic; a lock older than any install was left by a process that died holding it. */
function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // released meanwhile: the next try takes it
    }
    return false;
  }
}
