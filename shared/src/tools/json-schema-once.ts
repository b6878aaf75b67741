/** The part of Standard JSON Schema (`~standard.jsonSchema`) the SDK calls. */
type Converter = (options: { target: string }) => Record<string, unknown>;
interface StandardJsonSchema {
  '~standard': { jsonSchema: { input: Converter; output: Converter } };
}

/**
 * Converts a schema to JSON Schema once per process instead of once per request.
 *
 * The SDK asks a tool's schema for its JSON Schema (through Standard Schema's
 * `~standard.jsonSchema`) for `tools/list`, and on every 2026-era `tools/call` to check the
 * `Mcp-Param-*` headers. It caches the answer per `McpServer`, but a stateless server builds
 * one per request, so the conversion ran on every call. Memoising the hook on the module-level
 * schema keeps the SDK's behaviour and drops the repeated work.
 */
export function jsonSchemaOnce<T extends StandardJsonSchema>(schema: T): T {
  const standard = schema['~standard'];
  const memo = (convert: Converter): Converter => {
    const byTarget = new Map<string, Record<string, unknown>>();
    return (options) => {
      const key = JSON.stringify(options);
      let json = byTarget.get(key);
      if (!json) byTarget.set(key, (json = Object.freeze(convert(options))));
      return json;
    };
  };
  // zod's `~standard` accepts assignment (it becomes an own property of this schema only).
  (schema as { '~standard': unknown })['~standard'] = {
    ...standard,
    jsonSchema: { input: memo(standard.jsonSchema.input), output: memo(standard.jsonSchema.output) },
  };
  return schema;
}
