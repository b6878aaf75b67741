/**
 * How the handler is bundled, in one place: the stack hands these settings to NodejsFunction
 * (local esbuild, no Docker), and the benchmark and the bundle test run esbuild with the same ones.
 */
import { join } from 'node:path';

import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

export const ENTRY = join(__dirname, '../src/main.ts');

const target = 'node22'; // the oldest Lambda runtime this sample supports; the stack runs a newer one
const external = ['@aws-sdk/*']; // ships in the runtime; this handler uses none of it
// The SDK's runtime shims, replaced by a lighter choice for Lambda: see src/sdk-shims.ts.
const shims = { '@modelcontextprotocol/server/_shims': join(__dirname, '../src/sdk-shims.ts') };
// What only tracing loads (lazily): left out of a bundle without tracing, see src/no-tracing.ts.
const TRACING_SDK = ['@opentelemetry/core', '@opentelemetry/resources', '@opentelemetry/sdk-trace', '@opentelemetry/otlp-transformer', '@opentelemetry/exporter-trace-otlp-http'];
// No source map, so no `--enable-source-maps`: Node reads and parses the map as it loads the bundle,
// which made each cold start 80-120 ms of CPU longer (BENCHMARKS.md), and the function logs an error
// by its name and message, never by its stack.
const sourcemap = false;

/** What the bundle is built for: tracing (`-c tracing=true`) brings the OpenTelemetry SDK into it. */
export interface BundleFor {
  tracing: boolean;
}

function alias({ tracing }: BundleFor): Record<string, string> {
  return tracing ? shims : { ...shims, ...Object.fromEntries(TRACING_SDK.map((module) => [module, join(__dirname, '../src/no-tracing.ts')])) };
}

export function bundling(bundleFor: BundleFor): BundlingOptions {
  return {
    minify: true,
    sourceMap: sourcemap,
    target,
    externalModules: external,
    esbuildArgs: Object.fromEntries(Object.entries(alias(bundleFor)).map(([from, to]) => [`--alias:${from}`, to])),
    forceDockerBundling: false,
  };
}

/** The cold-start harness (../bench/invoke.ts), bundled so that it starts as plain Node. */
export function invokerOptions(outfile: string): BuildOptions {
  return { entryPoints: [join(__dirname, '../bench/invoke.ts')], bundle: true, platform: 'node', format: 'cjs', target, outfile, logLevel: 'silent' };
}

/** The same bundle through esbuild's API (without tracing unless asked, as the stack's default). */
export function esbuildOptions(outfile: string, bundleFor: BundleFor = { tracing: false }): BuildOptions {
  return { entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'cjs', target, external, alias: alias(bundleFor), minify: true, sourcemap, outfile, logLevel: 'silent' };
}
