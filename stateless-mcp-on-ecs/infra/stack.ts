import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
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
  SHARED_TOOLS,
  tracingFromContext,
} from '@mcp-on-aws/shared/infra';

/** Each value falls back to the CDK context of the same name: `npx cdk deploy StatelessMcpOnEcs -c desiredCount=2`. */
export interface StatelessMcpOnEcsProps extends StackProps, FrontDoorProps, AuthProps, AlarmProps {
  /** Tasks at rest; default 3, so losing one task or one AZ leaves capacity that serves. */
  desiredCount?: number;
  /** An OpenTelemetry collector in every task, sending the server's spans to X-Ray (`-c tracing=true`); default off. */
  tracing?: boolean;
}

/**
 * The stateless MCP server on Fargate behind CloudFront (HTTPS) and an internal ALB, round-robin,
 * no stickiness. Any task answers any request, so the service scales in and out without moving state.
 */
export class StatelessMcpOnEcs extends Stack {
  readonly mcp: McpFargateService;
  readonly observability: McpObservability;

  constructor(scope: Construct, id: string, props: StatelessMcpOnEcsProps = {}) {
    super(scope, id, props);

    // Signs confirm_action's `requestState`: every task must verify what another task minted.
    const requestStateKey = new RequestStateKey(this, 'RequestStateKey', 'StatelessMcpOnEcs');

    const context = (key: string): string | undefined => this.node.tryGetContext(key) || undefined;
    this.mcp = new McpFargateService(this, 'Mcp', {
      sample: 'stateless-mcp-on-ecs',
      desiredCount: props.desiredCount ?? integerSetting('desiredCount', context('desiredCount'), { fallback: 3, min: 1, max: 100 }),
      shutdownDeadline: Duration.seconds(10), // requests are short, and the ALB drained the task before SIGTERM
      ...frontDoorFromContext(this, props),
      auth: authFromContext(this, props),
      secrets: { MCP_REQUEST_STATE_KEY: requestStateKey.containerSecret },
      tracing: tracingFromContext(this, props.tracing),
    });

    this.observability = new McpObservability(this, 'Observability', { service: 'stateless-mcp-on-ecs', tools: SHARED_TOOLS, ...alarmsFromContext(this, props), fargate: this.mcp });

    new CfnOutput(this, 'McpUrl', { value: this.mcp.mcpUrl, description: 'The MCP endpoint (Streamable HTTP, both protocol eras)' });
  }
}
