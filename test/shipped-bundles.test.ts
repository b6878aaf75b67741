/**
 * What ships contains no test surface: each sample's entry, bundled as shared/Dockerfile (or the
 * Lambda stack) bundles it, has none of the conformance fixtures. The conformance entries, bundled
 * the same way, do have them, so the check would see fixtures that leaked into a sample.
 */
import { join } from 'node:path';

import { build } from 'esbuild';

const root = join(__dirname, '..');
/** The names of a few fixtures, as they would appear in a minified bundle. */
const FIXTURE = /test_simple_text|test_trigger_tool_change|test:\/\/static-text/;

/** The options of the ECS samples' `npm run build` (see their package.json), in memory. */
async function bundle(entry: string): Promise<string> {
  const result = await build({ entryPoints: [join(root, entry)], bundle: true, platform: 'node', target: 'node22', minify: true, write: false, logLevel: 'silent' });
  return result.outputFiles[0]!.text;
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
