/**
 * What ships contains no test surface: each sample's entry, bundled as shared/Dockerfile (or the
 * Lambda stack) bundles it, has none of the conformance fixtures. The conformance entries, bundled
 * the same way, do have them, so the check would see fixtures that leaked into a sample.
 */
import { join } from 'node:path';

import { build } from 'esbuild';

import { bundleOptions } from '../shared/build-bundle';

const root = join(__dirname, '..');
/** The names of a few fixtures, as they would appear in a minified bundle. */
const FIXTURE = /test_simple_text|test_trigger_tool_change|test:\/\/static-text/;

/** The ECS samples' `npm run build` (shared/build-bundle.ts), in memory: the entry and every chunk, maps left out. */
async function bundle(entry: string): Promise<string> {
  const result = await build({ ...bundleOptions(join(root, entry), join(root, 'dist-in-memory')), write: false, logLevel: 'silent' });
  return result.outputFiles.filter((file) => file.path.endsWith('.mjs')).map((file) => file.text).join('\n');
}

describe('the shipped bundles', () => {
  it.each(['stateless-mcp-on-ecs/src/main.ts', 'stateful-mcp-on-ecs/src/main.ts'])('%s contains no conformance fixture', async (entry) => {
    const text = await bundle(entry);
    expect(text).toMatch(/"?ping"?/);
    expect(FIXTURE.exec(text)?.[0]).toBeUndefined();
  }, 60_000);

  it.each(['conformance/src/servers/stateless-ecs.ts', 'conformance/src/servers/stateful-ecs.ts'])('%s, the conformance entry, does contain them', async (entry) => {
    expect(FIXTURE.exec(await bundle(entry))?.[0]).toBeDefined();
  }, 60_000);
});
