/**
 * How the handler is bundled, in one place: the stack hands these settings to NodejsFunction
 * (local esbuild, no Docker), and the benchmark and the bundle test run esbuild with the same ones.
 */
import { join } from 'node:path';

import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

export const ENTRY = join(__dirname, '../src/handler.ts');

const target = 'node22'; // the oldest Lambda runtime this sample supports; the stack runs a newer one
const external = ['@aws-sdk/*']; // ships in the runtime; this handler uses none of it
// The MCP SDK picks its JSON Schema validator by export condition: AJV (290 KB) on Node, the
// 42 KB @cfworker/json-schema under `workerd`. Lambda needs nothing else that condition changes
// (it only stubs the stdio transport), and the bundle shrinks by a quarter.
const conditions = ['workerd'];

export const BUNDLING: BundlingOptions = {
  minify: true,
  sourceMap: true,
  target,
  externalModules: external,
  esbuildArgs: { '--conditions': conditions.join(',') },
  forceDockerBundling: false,
};

/** The same bundle through esbuild's API. */
export function esbuildOptions(outfile: string): BuildOptions {
  return { entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'cjs', target, external, conditions, minify: true, sourcemap: true, outfile, logLevel: 'silent' };
}
