/** The parts of the OpenTelemetry API that tracing uses, imported by `./tracing` only when tracing starts. */
export { propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
