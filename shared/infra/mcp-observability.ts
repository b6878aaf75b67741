import { Aws, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { HttpCodeElb, HttpCodeTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

import type { McpFargateService } from './mcp-fargate-service';

/** Where every sample's own metrics go (Embedded Metric Format log lines; the runtime writes them). */
export const METRICS_NAMESPACE = 'McpOnAws';

/** The `Service` dimension: the sample's name. */
export type McpService = 'stateless-mcp-on-lambda' | 'stateless-mcp-on-ecs' | 'stateful-mcp-on-ecs';

/** The tools every sample registers (shared/src/tools), then the stateful sample's own. */
export const SHARED_TOOLS = ['ping', 'echo', 'countdown', 'confirm_action'] as const;
export const STATEFUL_TOOLS = [...SHARED_TOOLS, 'increment_counter', 'read_counter', 'ask_model'] as const;
/** The `Tool` value of a `tools/call` that names no registered tool. */
const OTHER = 'other';

/** The DynamoDB calls the stateful sample makes (its task role's grant): the `Operation` dimension of StoreLatency and StoreErrors. */
const STORE_OPERATIONS = [Operation.GET_ITEM, Operation.PUT_ITEM, Operation.UPDATE_ITEM, Operation.DELETE_ITEM];

/** What a deployer may choose; each is also a CDK context value of the same name (`-c alarmEmail=ops@example.com`). */
export interface AlarmProps {
  /** An address that gets every alarm by email (it must confirm the subscription once); default none, the topic only. */
  alarmEmail?: string;
}

/** The prop, else the context value, checked at synth: a typo must not deploy a subscription nobody gets. */
export function alarmsFromContext(scope: Construct, props: AlarmProps): AlarmProps {
  const value: unknown = props.alarmEmail ?? scope.node.tryGetContext('alarmEmail');
  if (value === undefined || value === '') return {};
  const alarmEmail = String(value).trim();
  if (!Token.isUnresolved(alarmEmail) && !/^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(alarmEmail)) {
    throw new Error(`alarmEmail must be one email address (-c alarmEmail=ops@example.com), got "${alarmEmail}"`);
  }
  return { alarmEmail };
}

export interface McpObservabilityProps extends AlarmProps {
  service: McpService;
  /** Every tool the sample registers: one line each in the per-tool widgets. */
  tools: readonly string[];
  /** On Lambda: the function, its API, and the most executions it may run at once. */
  lambda?: { fn: lambda.Function; api: apigateway.RestApi; concurrencyBound: number };
  /** On ECS: the service, its ALB and its CloudFront distribution. */
  fargate?: McpFargateService;
  /** The stateful sample: its session table, and how many sessions one task may hold (MCP_MAX_SESSIONS). */
  sessions?: { table: TableV2; maxPerTask: number };
}

/**
 * What an operator watches, in one place per stack: the runtime's telemetry settings, a dashboard
 * (per-tool requests, errors and p99; the compute's limits; the store; the front door) and alarms
 * on an encrypted SNS topic. Everything reads the stack's own resources: no stack depends on another.
 */
export class McpObservability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly topic: sns.Topic;
  private readonly service: McpService;

  constructor(scope: Construct, id: string, props: McpObservabilityProps) {
    super(scope, id);
    this.service = props.service;
    this.emitFrom(props);

    this.topic = this.alarmTopic(props.alarmEmail);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboards are global to the account: the stack's name and Region keep two deployments apart.
      dashboardName: `${Aws.STACK_NAME}-${Aws.REGION}`,
      defaultInterval: Duration.hours(3),
    });

    this.dashboard.addWidgets(...this.perTool([...props.tools, OTHER]));
    this.dashboard.addWidgets(...this.overall());
    if (props.lambda) this.watchLambda(props.lambda);
    if (props.fargate) this.watchFargate(props.fargate);
    if (props.sessions) {
      this.watchSessions(props.sessions.maxPerTask);
      this.watchStore(props.sessions.table);
    }
  }

  /** The runtime's side of the contract: it names its metrics, logs and spans after the sample. */
  private emitFrom(props: McpObservabilityProps): void {
    const environment = {
      MCP_METRICS: 'emf', // off by default, so a local run's output stays readable
      MCP_SERVICE_NAME: props.service,
      POWERTOOLS_SERVICE_NAME: props.service,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      OTEL_SERVICE_NAME: props.service,
    };
    for (const [name, value] of Object.entries(environment)) {
      props.lambda?.fn.addEnvironment(name, value);
      props.fargate?.taskDefinition.defaultContainer!.addEnvironment(name, value);
    }
  }

  /** Customer-managed key: CloudWatch may publish to an encrypted topic only through a key whose policy names it. */
  private alarmTopic(alarmEmail: string | undefined): sns.Topic {
    const key = new kms.Key(this, 'AlarmKey', {
      description: 'Encrypts the MCP alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY, // a sample leaves nothing behind; the key only ever held alarm notifications
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, "this key"
      }),
    );
    const topic = new sns.Topic(this, 'Alarms', { displayName: `MCP alarms (${this.service})`, masterKey: key, enforceSSL: true });
    if (alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
    return topic;
  }

  /** Requests, errors and p99 per tool: what a tool's users feel. */
  private perTool(tools: string[]): cloudwatch.IWidget[] {
    const byTool = (metricName: string, statistic: string) =>
      tools.map((tool) => this.metric(metricName, statistic, { Tool: tool }).with({ label: tool }));
    return [
      new cloudwatch.GraphWidget({ title: 'Tool calls per tool', left: byTool('Requests', 'Sum'), width: 8, stacked: true }),
      new cloudwatch.GraphWidget({ title: 'Failed tool calls per tool', left: byTool('Errors', 'Sum'), width: 8, stacked: true }),
      new cloudwatch.GraphWidget({ title: 'Tool call latency per tool, p99 (ms)', left: byTool('Latency', 'p99'), width: 8 }),
    ];
  }

  /** Every MCP request, with the alarm on its p99. */
  private overall(): cloudwatch.IWidget[] {
    const latency = this.alarm('LatencyP99', this.metric('Latency', 'p99', {}, Duration.minutes(5)), {
      threshold: 5_000,
      evaluationPeriods: 3,
      // Every tool but countdown (20 s at most) answers in milliseconds: a p99 past 5 s for 15 minutes is queueing or a slow store, not one long countdown.
      why: 'p99 of MCP requests above 5 s for 15 minutes',
      todo: 'Look at the dashboard\'s per-tool p99 to find the tool, then CPU (ECS) or Duration and throttles (Lambda), then the store\'s latency.',
    });
    return [
      new cloudwatch.GraphWidget({
        title: 'MCP requests and errors',
        left: [this.metric('Requests', 'Sum').with({ label: 'requests' }), this.metric('Errors', 'Sum').with({ label: 'errors' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'MCP request latency (ms)',
        left: [this.metric('Latency', 'p50').with({ label: 'p50' }), this.metric('Latency', 'p99').with({ label: 'p99' })],
        leftAnnotations: [latency.toAnnotation()],
        width: 12,
      }),
    ];
  }

  private watchLambda({ fn, api, concurrencyBound }: NonNullable<McpObservabilityProps['lambda']>): void {
    const fiveXx = api.metricServerError({ statistic: 'Average', period: Duration.minutes(1), label: '5xx (fraction of answers)' });
    const serverErrorRate = this.alarm('ServerErrorRate', fiveXx, {
      threshold: 0.05,
      evaluationPeriods: 5,
      // A client retries one failed call; one in twenty failing for five minutes is an outage for some callers.
      why: 'more than 5 % of API Gateway answers are 5xx for 5 minutes',
      todo: 'Read the function\'s errors in the HandlerLogs group (level = "error"); a 502/504 without one is a timeout or a crash before the first byte.',
    });
    const throttled = fn.metricThrottles({ statistic: 'Sum', period: Duration.minutes(5), label: 'throttles' });
    this.alarm('Throttles', throttled, {
      threshold: 1,
      evaluationPeriods: 1,
      // A throttled invocation is a call the client saw fail: there is no acceptable number.
      why: 'any Lambda throttle in 5 minutes',
      todo: 'Raise reservedConcurrency (-c reservedConcurrency=N) or the account\'s concurrency quota, or lower the stage\'s rate limit so API Gateway answers 429 first.',
    });
    const concurrency = fn.metric('ConcurrentExecutions', { statistic: 'Maximum', period: Duration.minutes(1) });
    const nearBound = this.alarm('ConcurrencyNearLimit', concurrency, {
      threshold: Math.floor(concurrencyBound * 0.8),
      evaluationPeriods: 3,
      // At 80 % of the bound a burst is one step from throttles: time to raise it before clients see them.
      why: `concurrent executions above 80 % of ${concurrencyBound} for 3 minutes`,
      todo: 'Find what holds executions (long countdowns, a slow issuer) in the function\'s Duration; raise reservedConcurrency or the account quota.',
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Lambda concurrency', left: [concurrency.with({ label: 'max concurrent executions' })], leftAnnotations: [nearBound.toAnnotation()], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Lambda invocations, errors, throttles',
        left: [fn.metricInvocations({ label: 'invocations' }), fn.metricErrors({ label: 'errors' }), throttled],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'API Gateway 5xx rate', left: [fiveXx], leftAnnotations: [serverErrorRate.toAnnotation()], width: 8 }),
    );
  }

  private watchFargate(fargate: McpFargateService): void {
    const { service, loadBalancer, targetGroup } = fargate;
    const alb = loadBalancer.metrics;
    const fiveXxPercent = new cloudwatch.MathExpression({
      expression: '100 * (target5xx + elb5xx) / requests',
      usingMetrics: {
        target5xx: alb.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum' }),
        elb5xx: alb.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, { statistic: 'Sum' }),
        requests: alb.requestCount({ statistic: 'Sum' }),
      },
      label: '5xx (% of requests)',
      period: Duration.minutes(1),
    });
    const serverErrorRate = this.alarm('ServerErrorRate', fiveXxPercent, {
      threshold: 5,
      evaluationPeriods: 5,
      // A client retries one failed call; one in twenty failing for five minutes is an outage for some callers.
      why: 'more than 5 % of the ALB\'s answers are 5xx (tasks\' or its own) for 5 minutes',
      todo: 'ELB 5xx with no target 5xx: no healthy task (HealthyHostCount) or a task closing connections; target 5xx: the tasks\' error lines in the Logs group.',
    });
    const cpuPercent = service.metricCpuUtilization({ period: Duration.minutes(1), label: 'CPU' });
    const memoryPercent = service.metricMemoryUtilization({ period: Duration.minutes(1), label: 'memory' });
    const cpu = this.alarm('CpuHigh', cpuPercent, {
      threshold: 80,
      evaluationPeriods: 5,
      // Scaling aims at 60 %: five minutes at 80 % means it is at its maximum task count or cannot keep up.
      why: 'service CPU above 80 % for 5 minutes',
      todo: 'Check the running task count against the scaling maximum (four times desiredCount); raise desiredCount or the task size.',
    });
    this.alarm('MemoryHigh', memoryPercent, {
      threshold: 80,
      evaluationPeriods: 5,
      // Nothing scales on memory, and at 100 % the task is killed with every session on it.
      why: 'service memory above 80 % for 5 minutes',
      todo: 'Sessions and their stored events hold the memory (stateful): lower MCP_MAX_SESSIONS or raise the task\'s memory.',
    });
    const running = new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName },
      statistic: 'Average',
      label: 'running tasks',
    });
    const distribution = fargate.distribution.distribution;
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Tasks: CPU and memory (%)', left: [cpuPercent, memoryPercent], leftAnnotations: [cpu.toAnnotation()], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Tasks: running and healthy', left: [running, targetGroup.metrics.healthyHostCount({ statistic: 'Minimum', label: 'healthy (ALB)' })], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'ALB 5xx (% of requests)', left: [fiveXxPercent], leftAnnotations: [serverErrorRate.toAnnotation()], right: [alb.requestCount({ statistic: 'Sum', label: 'requests' })], width: 8 }),
      // CloudFront publishes its metrics in us-east-1 only, whatever the stack's Region.
      new cloudwatch.GraphWidget({ title: 'CloudFront 5xx error rate (%)', region: 'us-east-1', left: [distribution.metric5xxErrorRate({ region: 'us-east-1', label: 'viewer 5xx' })], width: 8 }),
    );
  }

  private watchSessions(maxPerTask: number): void {
    const busiest = this.metric('LiveSessions', 'Maximum', {}, Duration.minutes(1));
    const nearLimit = this.alarm('SessionsNearLimit', busiest, {
      threshold: Math.floor(maxPerTask * 0.8),
      evaluationPeriods: 3,
      // At MCP_MAX_SESSIONS a task answers new sessions 503; at 80 % on the busiest task there is time to add tasks.
      why: `the busiest task holds more than 80 % of MCP_MAX_SESSIONS (${maxPerTask}) for 3 minutes`,
      todo: 'Raise desiredCount (new sessions spread over new tasks; sticky ones stay), or shorten the idle timeout.',
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Sessions per task',
        left: [this.metric('LiveSessions', 'Average', {}, Duration.minutes(1)).with({ label: 'average per task' }), busiest.with({ label: 'busiest task' })],
        leftAnnotations: [nearLimit.toAnnotation()],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Sessions created, taken over, forwarded',
        left: ['SessionsCreated', 'Takeovers', 'ForwardedRequests'].map((name) => this.metric(name, 'Sum').with({ label: name })),
        width: 12,
      }),
    );
  }

  private watchStore(table: TableV2): void {
    const throttled = table.metricThrottledRequestsForOperations({ operations: STORE_OPERATIONS, period: Duration.minutes(5), label: 'throttled requests' });
    const throttles = this.alarm('StoreThrottles', throttled, {
      threshold: 1,
      evaluationPeriods: 1,
      // On-demand tables throttle only on a hot partition or the account's table quota: either needs a look.
      why: 'any DynamoDB throttle on the session table in 5 minutes',
      todo: 'A throttled write retries and may fail a request: find the operation on the dashboard; one session writing fast is a hot key (see "What a client can make a write cost").',
    });
    const byOperation = (metricName: string, statistic: string) =>
      STORE_OPERATIONS.map((operation) => this.metric(metricName, statistic, { Operation: operation }).with({ label: operation }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Store calls from the tasks, p99 (ms)', left: byOperation('StoreLatency', 'p99'), right: byOperation('StoreErrors', 'Sum'), width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB: request latency, p99 (ms), and system errors',
        left: STORE_OPERATIONS.map((operation) => table.metricSuccessfulRequestLatency({ dimensionsMap: { TableName: table.tableName, Operation: operation }, statistic: 'p99', label: operation })),
        // Its own widget from the throttles: both expressions sum the same per-operation metrics, and one graph cannot hold both.
        right: [table.metricSystemErrorsForOperations({ operations: STORE_OPERATIONS, label: 'system errors' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'DynamoDB: throttled requests', left: [throttled], leftAnnotations: [throttles.toAnnotation()], width: 8 }),
    );
  }

  /** One of our metrics, per the contract: `Service` on every one, plus the given dimensions. */
  private metric(metricName: string, statistic: string, dimensions: Record<string, string> = {}, period = Duration.minutes(1)): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { Service: this.service, ...dimensions }, statistic, period });
  }

  /** An alarm that says why its threshold is what it is and what to do, and tells the topic both ways. */
  private alarm(id: string, metric: cloudwatch.IMetric, spec: { threshold: number; evaluationPeriods: number; why: string; todo: string }): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data is no traffic (or no task reporting): nothing to wake anyone for.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${this.service}: ${spec.why}. ${spec.todo}`,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    return alarm;
  }
}
