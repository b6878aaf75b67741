/**
 * The properties of StatelessMcpOnEcs that a deployment depends on, read from the synthesized
 * template. Synth needs no AWS account and no Docker: the image is only staged.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

import { HTTP_TIMEOUTS } from '@mcp-on-aws/shared';
import { McpFargateService } from '@mcp-on-aws/shared/infra';
import { StatelessMcpOnEcs } from '../infra/stack';

function synth(context: Record<string, string> = {}): Template {
  return Template.fromStack(new StatelessMcpOnEcs(new App({ context }), 'StatelessMcpOnEcs'));
}

function container(template: Template) {
  const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  return taskDefinition!.Properties.ContainerDefinitions[0];
}

function env(template: Template, name: string): unknown {
  return container(template).Environment.find((e: { Name: string }) => e.Name === name)?.Value;
}

function attribute(template: Template, type: string, key: string): string | undefined {
  const [resource] = Object.values(template.findResources(type));
  const attributes = resource!.Properties.LoadBalancerAttributes ?? resource!.Properties.TargetGroupAttributes;
  return attributes.find((a: { Key: string }) => a.Key === key)?.Value;
}

describe('StatelessMcpOnEcs (front-door.test.ts has CloudFront)', () => {
  const template = synth();

  it('builds a VPC over two AZs, public subnets for the tasks, isolated ones for the ALB, no NAT gateway, without naming an account', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.allResourcesProperties('AWS::EC2::Subnet', { AvailabilityZone: { 'Fn::Select': [Match.anyValue(), { 'Fn::GetAZs': '' }] } });
    template.hasResourceProperties('AWS::ECS::Service', { NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ Subnets: [{ Ref: Match.stringLikeRegexp('tasksSubnet1') }, { Ref: Match.stringLikeRegexp('tasksSubnet2') }] }) } });
  });

  it('gives the internal ALB an idle timeout above the SSE keep-alive and below the tasks\' keep-alive', () => {
    const idleSeconds = Number(attribute(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'idle_timeout.timeout_seconds'));
    expect(idleSeconds).toBeGreaterThan(2 * 15);
    expect(idleSeconds * 1000).toBeLessThan(HTTP_TIMEOUTS.keepAliveMs); // else the task may close a connection the ALB is reusing: a 502
  });

  it('listens on HTTP only, for the VPC origin, and forwards to the tasks', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP', DefaultActions: [Match.objectLike({ Type: 'forward' })] });
  });

  it('checks /health, drains targets in 30 s rather than 300 s, and has no stickiness', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/health', Port: 8080, TargetType: 'ip' });
    expect(attribute(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'deregistration_delay.timeout_seconds')).toBe('30');
    expect(attribute(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'stickiness.enabled')).toBe('false');
  });

  it('health-checks a task only through the ALB: ECS replaces what the target group finds unhealthy, and no container check can kill a task the ALB still serves', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/health', HealthCheckIntervalSeconds: 10, UnhealthyThresholdCount: 2 });
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ ContainerPort: 8080 })] });
    expect(container(template).HealthCheck).toBeUndefined();
  });

  it('runs three ARM64 Fargate tasks with public IPs', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 3,
      LaunchType: 'FARGATE',
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } });
  });

  it('gives ECS more time to stop a task than the server takes to drain, within Fargate\'s 120 s', () => {
    const deadlineMs = Number(env(template, 'MCP_SHUTDOWN_DEADLINE_MS'));
    const { StopTimeout } = container(template);
    expect(deadlineMs).toBeGreaterThan(0);
    expect(StopTimeout * 1000).toBeGreaterThan(deadlineMs);
    expect(StopTimeout).toBeLessThanOrEqual(120);
  });

  it('injects the requestState key from a generated Secrets Manager secret, never as plain env', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }) });
    expect(container(template).Secrets).toEqual([{ Name: 'MCP_REQUEST_STATE_KEY', ValueFrom: { Ref: expect.stringMatching(/^RequestStateKey/) } }]);
    expect(env(template, 'MCP_REQUEST_STATE_KEY')).toBeUndefined();
  });

  it('scales on CPU and on requests per target, from 3 to 12 tasks', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 12 });
    for (const metric of ['ECSServiceAverageCPUUtilization', 'ALBRequestCountPerTarget']) {
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({ PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: metric }) }),
      });
    }
  });

  it('keeps logs for a month, not forever', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('grants least privilege: the task role has no policy, the execution role reads only its own secret', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => p.Properties);
    const roleRefs = policies.flatMap((p) => p.Roles.map((r: { Ref: string }) => r.Ref));
    expect(roleRefs.some((ref: string) => /TaskTaskRole/.test(ref))).toBe(false);
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
    const secretReads = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(secretReads).toEqual([expect.objectContaining({ Resource: { Ref: expect.stringMatching(/^RequestStateKey/) } })]);
    for (const s of statements) expect([s.Action].flat()).not.toContainEqual(expect.stringMatching(/\*$/));
  });

  it('lets only the ALB reach the tasks', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^McpAlbSecurityGroup'), 'GroupId'] } });
  });
});

describe('StatelessMcpOnEcs with context', () => {
  it('takes the task count from desiredCount', () => {
    const template = synth({ desiredCount: '2' });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 8 });
  });

  it('refuses a malformed desiredCount', () => {
    expect(() => synth({ desiredCount: 'three' })).toThrow(/desiredCount/);
  });
});

describe('McpFargateService', () => {
  it('turns on ALB cookie stickiness when asked, for the stateful sample', () => {
    const stack = new Stack(new App(), 'Sticky');
    new McpFargateService(stack, 'Mcp', { sample: 'stateless-mcp-on-ecs', desiredCount: 1, shutdownDeadline: Duration.seconds(10), stickiness: Duration.hours(1) });
    const template = Template.fromStack(stack);
    expect(attribute(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'stickiness.enabled')).toBe('true');
    expect(attribute(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'stickiness.type')).toBe('lb_cookie');
    expect(attribute(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'stickiness.lb_cookie.duration_seconds')).toBe('3600');
  });
});
