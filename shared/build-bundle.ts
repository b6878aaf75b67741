/**
 * Bundles an ECS sample's server for its image: shared/Dockerfile runs `npm run build` in the
 * sample's folder, and each sample's `build` script runs this file, which writes `src/main.ts` as
 * `dist/main.mjs` (the entry the Dockerfile's CMD starts) and `dist/chunks/`.
 *
 * The bundle is ESM with code splitting, so that a process loads only the code it runs: each dynamic
 * `import()` becomes a chunk that Node reads when the import runs. A memory-mode stateful task never
 * loads the durable store (the DynamoDB client, undici), and a task without tracing never loads the
 * OpenTelemetry SDK. One CommonJS file held both parsed at rest, and with `--enable-source-maps` Node
 * parses a file's map when the file loads (BENCHMARKS.md, issue #18).
 *
 *   node --import tsx ../shared/build-bundle.ts    (from a sample's folder)
 */
import { rmSync } from 'node:fs';

import { build, type BuildOptions } from 'esbuild';

/** The image's build of `entry` into `outdir`; the stateful bench bundles its bare Express baseline with it too. */
export function bundleOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { main: entry },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    splitting: true,
    // `.mjs`: Node reads the files as ESM with no package.json beside them.
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // Identifiers keep their names. Node names a stack frame's function from the source map only when
    // its caller is in the same file, so across chunks a minified name would show; and renamed code
    // rested 11 MiB higher (8.5 of them its map's, a mapping per identifier), for 16 % less code.
    minifyWhitespace: true,
    minifySyntax: true,
    // Stack traces name src/ files and lines; without the sources' text the map is a third of the size.
    sourcemap: true,
    sourcesContent: false,
    // The bundled CommonJS packages call `require` for Node's builtins, which ESM does not define.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  };
}

if (require.main === module) {
  // Chunks are named by content hash: one left from an earlier build would ship in the image.
  rmSync('dist', { recursive: true, force: true });
  build(bundleOptions('src/main.ts', 'dist')).catch(() => process.exit(1)); // esbuild has printed why
}
