/**
 * What a bundle built without tracing (the stack's default; infra/bundling.ts) has in place of the
 * OpenTelemetry SDK: about 80 KB that every cold start would parse, 14 ms of CPU, for spans nobody
 * sends. Only tracing's lazy imports lead here, and only when tracing is set on a function the stack
 * bundled without it (`MCP_TRACING` or an OTLP endpoint by hand): deploy with `-c tracing=true`.
 */
throw new Error('This bundle has no OpenTelemetry SDK: deploy the stack with -c tracing=true to trace');
