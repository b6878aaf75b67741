import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Port } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

import {
  type AlarmProps,
  alarmsFromContext,
  type AuthProps,
  authFromContext,
  frontDoorFromContext,
  type FrontDoorProps,
  integerSetting,
  McpFargateService,
  McpObservability,
  RequestStateKey,
  STATEFUL_TOOLS,
  tracingFromContext,
} from '@mcp-on-aws/shared/infra';

/** Each value falls back to the CDK context of the same name: `npx cdk deploy StatefulMcpOnEcs -c stickinessSeconds=3600`. */
export interface StatefulMcpOnEcsProps extends StackProps, FrontDoorProps, AuthProps, AlarmProps {
  /** Tasks at rest; default 3, so a lost task costs a third of the sessions, not all of them. */
  desiredCount?: number;
  /** How long the `AWSALB` cookie keeps a client on its task after its last request; default 1 day (the ALB's default). */
  stickinessSeconds?: number;
  /** An OpenTelemetry collector in every task, sending the server's spans to X-Ray (`-c tracing=true`); default off. */
  tracing?: boolean;
}

/** A session with no request and no open stream for this long is closed (never longer than stickiness). */
const SESSION_IDLE = Duration.minutes(30);
/**
 * From the worst case (npm run bench -w stateful-mcp-on-ecs, two runs in BENCHMARKS.md): a quarter of the
 * 512 MiB task stays free (384 MiB); the process at rest takes 176-179 MiB (measured through tsx's loader,
 * so it errs high), every session's stored events at most 65.5-66.3 MiB (MCP_EVENT_BYTES_PER_PROCESS, 32 MiB
 * of JSON), and each session 47-56 KB with its GET stream: 2,603 and 3,038 sessions, so 2,500. A session
 * filled to its own 256 KiB costs 386-412 KB: without the process bound the same task would hold about 520.
 */
const MAX_SESSIONS_PER_TASK = 2_500;

/**
 * The stateful MCP server on Fargate behind CloudFront (HTTPS) and an internal ALB with `lb_cookie`
 * stickiness. 2025-era sessions are served from their task's memory, so the `AWSALB` cookie, which
 * CloudFront passes both ways, brings each client back to that task; a request that lands on
 * another task (a client that keeps no cookie) is forwarded to it. 2026-era requests carry no session and go to any task. Sessions are also kept in a
 * DynamoDB table, so when a task is lost (scale-in, deployment, failure) another task rehydrates
 * them with the same id, counter, settings and stored GET-stream events.
 */
export class StatefulMcpOnEcs extends Stack {
  readonly mcp: McpFargateService;
  readonly sessions: TableV2;
  readonly observability: McpObservability;

  constructor(scope: Construct, id: string, props: StatefulMcpOnEcsProps = {}) {
    super(scope, id, props);
    const context = (key: string): string | undefined => this.node.tryGetContext(key) || undefined;
    const stickiness = Duration.seconds(integerSetting('stickinessSeconds', props.stickinessSeconds ?? context('stickinessSeconds'), { fallback: 86_400, min: 1, max: 604_800 })); // the ALB allows 1 s to 7 days
    const sessionIdle = Duration.millis(Math.min(SESSION_IDLE.toMilliseconds(), stickiness.toMilliseconds()));
    const requestStateKey = new RequestStateKey(this, 'RequestStateKey', 'StatefulMcpOnEcs');
    // Durable sessions: registry, settings, counter and GET-stream events (src/durable/table.ts).
    this.sessions = new TableV2(this, 'Sessions', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      // Sessions are short-lived, rebuildable state: destroying the stack deletes them (README, "Make sessions durable").
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.mcp = new McpFargateService(this, 'Mcp', {
      sample: 'stateful-mcp-on-ecs',
      desiredCount: props.desiredCount ?? integerSetting('desiredCount', context('desiredCount'), { fallback: 3, min: 1, max: 100 }),
      stickiness,
      // The ALB stops routing a session's requests to a draining task at once (they land elsewhere and
      // get 404), so this only lets calls in flight finish, one waiting on a human's elicitation answer included.
      deregistrationDelay: Duration.seconds(60),
      // After the drain, SIGTERM closes every transport (ending GET streams) in well under a second;
      // 25 s covers a countdown (20 s at most) still running. stopTimeout is this plus 5 s.
      shutdownDeadline: Duration.seconds(25),
      ...frontDoorFromContext(this, props),
      auth: authFromContext(this, props),
      environment: {
        MCP_SESSION_IDLE_MS: String(sessionIdle.toMilliseconds()),
        MCP_MAX_SESSIONS: String(MAX_SESSIONS_PER_TASK),
        MCP_SESSION_TABLE: this.sessions.tableName,
      },
      secrets: { MCP_REQUEST_STATE_KEY: requestStateKey.containerSecret },
      tracing: tracingFromContext(this, props.tracing),
    });

    this.serveSessionsFromAnyTask();

    // Exactly what src/durable/ does: each session is one item (no queries, no batches).
    this.sessions.grant(this.mcp.taskDefinition.taskRole, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');

    this.observability = new McpObservability(this, 'Observability', {
      service: 'stateful-mcp-on-ecs',
      tools: STATEFUL_TOOLS,
      ...alarmsFromContext(this, props),
      fargate: this.mcp,
      sessions: { table: this.sessions, maxPerTask: MAX_SESSIONS_PER_TASK },
    });

    new CfnOutput(this, 'McpUrl', { value: this.mcp.mcpUrl, description: 'The MCP endpoint (Streamable HTTP, both protocol eras; the AWSALB cookie saves a hop, and clients that keep none work too)' });
  }

  /**
   * Sessions without cookies (src/durable/forwarding.ts): a task forwards a request for a session
   * another task owns straight to that task's container port, signed with a key derived from
   * MCP_REQUEST_STATE_KEY; each task learns its own address from the task metadata endpoint, which
   * Fargate sets (ECS_CONTAINER_METADATA_URI_V4). So the tasks' security group admits the port from
   * the ALB (the target group's rule) and from itself, and nothing else. Stickiness stays: it saves the hop.
   */
  private serveSessionsFromAnyTask(): void {
    const port = this.mcp.taskDefinition.defaultContainer!.containerPort;
    this.mcp.service.connections.allowInternally(Port.tcp(port), 'a session request forwarded to the task that owns the session');
    // A dead task leaves the ALB after 2 failed checks: 10 s instead of the shared 20 s. Its sessions move at the
    // first request that reaches any other task anyway; a busy task wrongly marked down keeps its sessions (other
    // tasks forward to it), so the cost of checking faster is only more probes (about one a second per task).
    this.mcp.targetGroup.configureHealthCheck({ path: '/health', interval: Duration.seconds(5), timeout: Duration.seconds(4), healthyThresholdCount: 2, unhealthyThresholdCount: 2 });
  }
}
