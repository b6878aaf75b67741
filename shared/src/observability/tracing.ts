/**
 * Spans with the OpenTelemetry API only. The API's tracer is a no-op until a provider is registered,
 * so with tracing off a request pays one boolean check. `startTracing` registers an OTLP/HTTP
 * provider when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set, loading the SDK
 * only then; a test registers its own provider (an in-memory exporter) with `useTracerProvider`.
 */
import { TRACEPARENT_META_KEY } from '@modelcontextprotocol/server';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type TracerProvider } from '@opentelemetry/api';

const TRACER = 'mcp-on-aws';

let enabled = false;

export function tracingEnabled(): boolean {
  return enabled;
}

/** Makes `provider` the one spans go to, with W3C trace-context propagation. */
export async function useTracerProvider(provider: TracerProvider): Promise<void> {
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  trace.disable();
  propagation.disable();
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  enabled = true;
}

/** Tracing off again (tests). */
export function stopTracing(): void {
  trace.disable();
  propagation.disable();
  enabled = false;
}

/**
 * With an OTLP endpoint configured, exports spans there over OTLP/HTTP in batches (the ADOT
 * collector beside the task, or Lambda's). Returns a flush for shutdown; `undefined` when tracing is off.
 */
export async function startTracing(env: NodeJS.ProcessEnv, serviceName: string): Promise<(() => Promise<void>) | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const [{ BatchSpanProcessor, TracerProvider }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  // The exporter reads the endpoint, headers and timeout from the OTEL_EXPORTER_OTLP_* variables itself.
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  await useTracerProvider(provider);
  return () => provider.forceFlush();
}

const fromRecord: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * A SERVER span for one MCP request, named per the OTel MCP conventions (`tools/call echo`). Its
 * parent is the request's `params._meta` trace context when it has one (2026-07-28 clients put it
 * there), else the HTTP `traceparent` header.
 */
export function startMcpSpan(name: string, attributes: Record<string, string>, meta: Record<string, unknown> | undefined, headers: Record<string, unknown> | undefined): Span {
  const carrier = typeof meta?.[TRACEPARENT_META_KEY] === 'string' ? meta : headers;
  const parent: Context = carrier ? propagation.extract(ROOT_CONTEXT, carrier, fromRecord) : context.active();
  return trace.getTracer(TRACER).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Ends the span with the answer's outcome: `error.type` and an ERROR status on a failure. */
export function endMcpSpan(span: Span, errorType: string | undefined, message: string | undefined): void {
  if (errorType !== undefined) {
    span.setAttribute('error.type', errorType);
    if (errorType !== 'tool_error') span.setAttribute('rpc.response.status_code', errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, ...(message !== undefined && { message }) });
  }
  span.end();
}
