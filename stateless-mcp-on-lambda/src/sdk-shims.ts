/**
 * What the bundle puts in place of the MCP SDK's `@modelcontextprotocol/server/_shims` (an
 * esbuild alias, see infra/bundling.ts). The SDK picks that module by export condition: on Node it
 * brings the AJV validator (290 KB of the bundle); under `workerd` it brings the 42 KB
 * @cfworker/json-schema validator, but also builds every protocol schema of both eras at import.
 * This module takes the small validator and leaves the schemas to be built on first use, as on
 * Node: the bundle shrinks by a quarter and the cold start gets shorter (BENCHMARKS.md).
 * If the SDK changes what the shim exports, esbuild fails the bundle rather than guessing.
 */
export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
export { default as process } from 'node:process';
