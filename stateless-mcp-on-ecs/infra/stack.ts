import { join } from 'node:path';

import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

import { McpFargateService } from '../../shared/infra/mcp-fargate-service';

/** Each value falls back to the CDK context of the same name: `npx cdk deploy StatelessMcpOnEcs -c desiredCount=2`. */
export interface StatelessMcpOnEcsProps extends StackProps {
  /** Tasks at rest; default 3, so losing one task or one AZ leaves capacity that serves. */
  desiredCount?: number;
  /** HTTPS on a custom domain (context `domainName` and `certificateArn`); plain HTTP without. */
  domainName?: string;
  certificateArn?: string;
}

/**
 * The stateless MCP server on Fargate behind an internet-facing ALB, round-robin, no stickiness.
 * Any task answers any request, so the service scales in and out without moving state.
 */
export class StatelessMcpOnEcs extends Stack {
  readonly mcp: McpFargateService;

  constructor(scope: Construct, id: string, props: StatelessMcpOnEcsProps = {}) {
    super(scope, id, props);

    // Signs the `requestState` of confirm_action: every task must verify what another task minted.
    const requestStateKey = new secretsmanager.Secret(this, 'RequestStateKey', {
      description: 'HMAC key for MCP requestState, shared by every task of StatelessMcpOnEcs',
      // Letters and digits are base64 characters: 64 of them decode to a 48-byte key (>= 32 needed).
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });

    const context = (key: string): string | undefined => this.node.tryGetContext(key) || undefined;
    this.mcp = new McpFargateService(this, 'Mcp', {
      dockerfile: join(__dirname, '../Dockerfile'),
      desiredCount: props.desiredCount ?? taskCount(context('desiredCount') ?? 3),
      shutdownDeadline: Duration.seconds(10), // requests are short, and the ALB drained the task before SIGTERM
      domainName: props.domainName ?? context('domainName'),
      certificateArn: props.certificateArn ?? context('certificateArn'),
      secrets: { MCP_REQUEST_STATE_KEY: ecs.Secret.fromSecretsManager(requestStateKey) },
    });

    new CfnOutput(this, 'McpUrl', { value: this.mcp.mcpUrl, description: 'The MCP endpoint (Streamable HTTP, both protocol eras)' });

    Validations.of(requestStateKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the key invalidates every requestState in flight (10 min TTL); rotate it by redeploying, which restarts the tasks.',
    });
  }
}

function taskCount(value: unknown): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error(`desiredCount must be an integer from 1 to 100, got "${value}"`);
  return count;
}
