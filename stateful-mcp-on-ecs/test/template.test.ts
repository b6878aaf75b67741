/** The StatefulMcpOnEcs template has the properties sessions depend on. */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

import { SSE_KEEPALIVE } from '@mcp-on-aws/shared/infra';
import { StatefulMcpOnEcs } from '../infra/stack';

function template(context: Record<string, string> = {}): Template {
  const app = new App({ context });
  return Template.fromStack(new StatefulMcpOnEcs(app, 'StatefulMcpOnEcs'));
}

const attribute = (key: string) => Match.arrayWith([{ Key: key, Value: Match.anyValue() }]);
function attributeValue(t: Template, type: string, key: string): string {
  const [resource] = Object.values(t.findResources(type, { Properties: { [type.endsWith('TargetGroup') ? 'TargetGroupAttributes' : 'LoadBalancerAttributes']: attribute(key) } }));
  const attributes = (resource?.Properties.TargetGroupAttributes ?? resource?.Properties.LoadBalancerAttributes) as Array<{ Key: string; Value: string }>;
  return attributes.find((a) => a.Key === key)!.Value;
}

describe('StatefulMcpOnEcs', () => {
  const t = template();

  it('runs 3 Fargate tasks behind an internal ALB (front-door.test.ts has CloudFront)', () => {
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3, LaunchType: 'FARGATE' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
  });

  it('sticks clients to a task with the lb_cookie (AWSALB) for 1 day by default, and for the context value', () => {
    expect(attributeValue(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'stickiness.enabled')).toBe('true');
    expect(attributeValue(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'stickiness.type')).toBe('lb_cookie');
    expect(attributeValue(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'stickiness.lb_cookie.duration_seconds')).toBe('86400');
    const hour = template({ stickinessSeconds: '3600' });
    expect(attributeValue(hour, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'stickiness.lb_cookie.duration_seconds')).toBe('3600');
  });

  it('never keeps a session past its stickiness: the idle timeout follows a shorter cookie', () => {
    const env = (tt: Template) => JSON.stringify(tt.findResources('AWS::ECS::TaskDefinition'));
    expect(env(t)).toContain('{"Name":"MCP_SESSION_IDLE_MS","Value":"1800000"}');
    expect(env(template({ stickinessSeconds: '600' }))).toContain('{"Name":"MCP_SESSION_IDLE_MS","Value":"600000"}');
  });

  it('keeps the ALB idle timeout above the SSE keep-alive with a margin of at least 2x', () => {
    const idle = Number(attributeValue(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'idle_timeout.timeout_seconds'));
    expect(idle).toBeGreaterThanOrEqual(2 * SSE_KEEPALIVE.toSeconds());
    expect(JSON.stringify(t.findResources('AWS::ECS::TaskDefinition'))).toContain(`{"Name":"MCP_SSE_KEEPALIVE_MS","Value":"${SSE_KEEPALIVE.toMilliseconds()}"}`);
  });

  it('drains: 60 s deregistration delay, then SIGTERM with a 25 s deadline inside a 30 s stopTimeout', () => {
    expect(attributeValue(t, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'deregistration_delay.timeout_seconds')).toBe('60');
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ StopTimeout: 30, Environment: Match.arrayWith([{ Name: 'MCP_SHUTDOWN_DEADLINE_MS', Value: '25000' }]) })],
    });
  });

  it('health-checks /health every 5 s, so a dead task leaves the ALB after 10 s, and autoscales between 3 and 12 tasks', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/health', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 4, UnhealthyThresholdCount: 2 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 12 });
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
  });

  it('admits the container port to the tasks from the ALB and from the tasks themselves (forwarded session requests), and nothing else', () => {
    const groups = t.findResources('AWS::EC2::SecurityGroup');
    const taskGroup = Object.keys(groups).find((id) => id.startsWith('McpServiceSecurityGroup'))!;
    const albGroup = Object.keys(groups).find((id) => id.startsWith('McpAlbSecurityGroup'))!;
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r) => r.Properties)
      .filter((p) => p.GroupId['Fn::GetAtt']?.[0] === taskGroup)
      .map((p) => ({ from: p.SourceSecurityGroupId['Fn::GetAtt'][0], ports: [p.FromPort, p.ToPort], protocol: p.IpProtocol }));
    expect(ingress).toHaveLength(2);
    expect(ingress).toEqual(
      expect.arrayContaining([
        { from: albGroup, ports: [8080, 8080], protocol: 'tcp' },
        { from: taskGroup, ports: [8080, 8080], protocol: 'tcp' },
      ]),
    );
    // No inline rule either: no CIDR range reaches the tasks.
    expect(groups[taskGroup]!.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('passes the requestState key as a secret', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: [Match.objectLike({ Secrets: [Match.objectLike({ Name: 'MCP_REQUEST_STATE_KEY' })] })] });
  });

  it('rejects a stickiness outside what the ALB allows', () => {
    expect(() => template({ stickinessSeconds: '0' })).toThrow(/stickinessSeconds must be an integer from 1 to 604800/);
    expect(() => template({ stickinessSeconds: '700000' })).toThrow(/stickinessSeconds/);
  });

  it('keeps durable sessions in one on-demand table with PITR and TTL on expiresAt, named in the task env', () => {
    t.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
    t.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: Match.arrayWith([{ Name: 'MCP_SESSION_TABLE', Value: { Ref: Match.stringLikeRegexp('^Sessions') } }]) })],
    });
  });

  it('lets the task role get, put, update and delete items of that table, and nothing else', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('McpTaskTaskRole') }] } }));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) expect(JSON.stringify(s.Resource)).toMatch(/Sessions/);
    expect([...new Set(dynamo.flatMap((s) => [s.Action].flat()))].sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });
});
