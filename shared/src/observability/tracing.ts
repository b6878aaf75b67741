/**
 * Spans with the OpenTelemetry API only. With tracing off a request pays one boolean check, and
 * nothing loads the API: evaluating it cost a Lambda cold start about 4 ms of CPU. `startTracing`
 * registers an OTLP/HTTP provider when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is
 * set, loading the API and the SDK only then; a test registers its own provider (an in-memory
 * exporter) with `useTracerProvider`.
 */
import { TRACEPARENT_META_KEY } from '@modelcontextprotocol/server';
import type { Context, Span, SpanStatusCode, TextMapGetter, TracerProvider } from '@opentelemetry/api';

const TRACER = 'mcp-on-aws';

/** The API's `SpanStatusCode.ERROR`, without loading the API: a span may end after tracing stopped. */
const SPAN_STATUS_ERROR: SpanStatusCode.ERROR = 2;

/** The API, once a provider is registered; spans are only started after that (`tracingEnabled`). */
let api: typeof import('./otel-api') | undefined;

export function tracingEnabled(): boolean {
  return api !== undefined;
}

/** Makes `provider` the one spans go to, with W3C trace-context propagation. */
export async function useTracerProvider(provider: TracerProvider): Promise<void> {
  const loaded = await import('./otel-api');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  loaded.trace.disable();
  loaded.propagation.disable();
  loaded.trace.setGlobalTracerProvider(provider);
  loaded.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api = loaded;
}

/** Tracing off again (tests). */
export function stopTracing(): void {
  defaultParent = undefined;
  api?.trace.disable();
  api?.propagation.disable();
  api = undefined;
}

/**
 * Tracing from the environment. With an OTLP endpoint, spans go there over OTLP/HTTP in batches (the
 * ADOT collector beside the task). With `MCP_TRACING=xray-udp` (the Lambda stack's `-c tracing=true`),
 * each span goes to the sandbox's X-Ray daemon as it ends, and a request with no trace context of
 * its own joins the invocation's. `OTEL_TRACES_SAMPLER`/`_ARG` choose the sampler, as the OTel SDK's
 * environment configuration would. Returns a flush; `undefined` when tracing is off.
 */
export async function startTracing(env: NodeJS.ProcessEnv, serviceName: string): Promise<(() => Promise<void>) | undefined> {
  const xray = env.MCP_TRACING === 'xray-udp';
  if (!xray && !env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const sdk = await import('@opentelemetry/sdk-trace');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  let processor;
  if (xray) {
    const { XrayUdpSpanExporter, lambdaTraceContext } = await import('./xray-udp');
    processor = new sdk.SimpleSpanProcessor({ exporter: new XrayUdpSpanExporter(env.AWS_XRAY_DAEMON_ADDRESS || '169.254.79.129:2000') });
    defaultParent = () => lambdaTraceContext();
  } else {
    // The exporter reads the endpoint, headers and timeout from the OTEL_EXPORTER_OTLP_* variables itself.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter() });
  }
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || serviceName }),
    sampler: samplerFrom(env, sdk),
    spanProcessors: [processor],
  });
  await useTracerProvider(provider);
  return () => provider.forceFlush();
}

/** Where a span without a trace context of its own hangs: the invocation's X-Ray segment on Lambda, else a new trace. */
let defaultParent: (() => Context) | undefined;

/** `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, which this SDK version leaves to the application. */
function samplerFrom(env: NodeJS.ProcessEnv, sdk: typeof import('@opentelemetry/sdk-trace')): import('@opentelemetry/sdk-trace').Sampler {
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  const root = (name: string) =>
    name.endsWith('always_off') ? new sdk.AlwaysOffSampler() : name.endsWith('traceidratio') ? new sdk.TraceIdRatioBasedSampler(Number.isFinite(ratio) ? ratio : 1) : new sdk.AlwaysOnSampler();
  const name = env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on';
  return name.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root: root(name) }) : root(name);
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
  const { propagation, ROOT_CONTEXT, SpanKind, trace } = api!;
  const carrier = typeof meta?.[TRACEPARENT_META_KEY] === 'string' ? meta : headers;
  const parent: Context = carrier ? propagation.extract(ROOT_CONTEXT, carrier, fromRecord) : (defaultParent?.() ?? ROOT_CONTEXT);
  return trace.getTracer(TRACER).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Ends the span with the answer's outcome: `error.type` and an ERROR status on a failure. */
export function endMcpSpan(span: Span, errorType: string | undefined, message: string | undefined): void {
  if (errorType !== undefined) {
    span.setAttribute('error.type', errorType);
    if (errorType !== 'tool_error') span.setAttribute('rpc.response.status_code', errorType);
    span.setStatus({ code: SPAN_STATUS_ERROR, ...(message !== undefined && { message }) });
  }
  span.end();
}
