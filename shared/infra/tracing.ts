import { Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * The tracing switch, `-c tracing=true`: off by default, because it adds a sidecar (ECS) and X-Ray
 * charges per trace. The runtime traces only when its environment says where spans go
 * (OTEL_EXPORTER_OTLP_ENDPOINT, or MCP_TRACING on Lambda), so "off" sets nothing at all.
 */
export function tracingFromContext(scope: Construct, tracing?: boolean): boolean {
  if (tracing !== undefined) return tracing;
  const value: unknown = scope.node.tryGetContext('tracing');
  if (value === undefined || value === '' || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`tracing must be true or false (-c tracing=true adds X-Ray tracing), got "${String(value)}"`);
}

/** AWS Distro for OpenTelemetry's collector, pinned: a new tag is a deliberate change, never a surprise on a task restart. */
export const COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0';
/** Where the collector takes OTLP/HTTP: inside the task only (awsvpc tasks share one loopback). */
export const COLLECTOR_ENDPOINT = 'http://127.0.0.1:4318';
/**
 * A twentieth of the requests that carry no sampled `traceparent` of their own: enough to see
 * every slow tool within minutes at the traffic a sample gets, at a twentieth of X-Ray's per-trace price.
 */
const TRACE_SAMPLE_RATIO = 0.05;

/** OTLP over HTTP in on the task's loopback, out to X-Ray (PutTraceSegments), in small batches. */
const COLLECTOR_CONFIG = `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:4318
processors:
  batch/traces:
    timeout: 1s
    send_batch_size: 50
exporters:
  awsxray:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch/traces]
      exporters: [awsxray]
`;

/** What the MCP server needs to send its spans somewhere, beside OTEL_SERVICE_NAME. */
export function tracingEnvironment(platform: 'ecs' | 'lambda'): Record<string, string> {
  const sampler = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(TRACE_SAMPLE_RATIO) };
  return platform === 'ecs'
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: COLLECTOR_ENDPOINT, ...sampler }
    : // Lambda's active tracing runs an X-Ray daemon in every sandbox (AWS_XRAY_DAEMON_ADDRESS, UDP) and samples
      // the invocation itself: the runtime sends each span there as an OTLP datagram, as ADOT's Lambda layers do,
      // with no layer or extension to load on a cold start.
      { MCP_TRACING: 'xray-udp' };
}

/**
 * The collector beside the MCP server in every task: OTLP/HTTP on 127.0.0.1:4318, out to X-Ray,
 * configured through `AOT_CONFIG_CONTENT`. Not essential: if it dies, the task keeps serving and
 * only its spans are lost. Its memory is capped, so it can never take what the server was sized for.
 */
export function addCollectorSidecar(taskDefinition: ecs.FargateTaskDefinition, logGroup: logs.ILogGroup): ecs.ContainerDefinition {
  const collector = taskDefinition.addContainer('otel-collector', {
    image: ecs.ContainerImage.fromRegistry(COLLECTOR_IMAGE),
    essential: false,
    memoryLimitMiB: 256,
    environment: { AOT_CONFIG_CONTENT: COLLECTOR_CONFIG },
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'otel-collector' }),
    readonlyRootFilesystem: true,
  });
  // What the awsxray exporter calls, and nothing else.
  const writes = new iam.Policy(taskDefinition, 'XRayWrites', {
    statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
  });
  writes.attachToRole(taskDefinition.taskRole);
  Validations.of(writes).acknowledge(XRAY_WRITES_FINDING);
  return collector;
}

/** cdk-nag's finding on any X-Ray writer (this sidecar's task role, a function with active tracing), and why it stands. */
export const XRAY_WRITES_FINDING = {
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions.',
};
