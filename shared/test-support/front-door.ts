import { App, type Stack, type StackProps } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

import { COUNTDOWN_LIMITS } from '@mcp-on-aws/shared';

/** CloudFront's managed policies, by their fixed ids. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';

type Resource = { Type: string; Properties: Record<string, any> };

/**
 * The front door every ECS sample's stack gets (issue #14): HTTPS from CloudFront, to an internal
 * ALB through a VPC origin, with nothing else let in; streams that outlast CloudFront's read
 * timeout; the cookie passed both ways; the Host allow-list on the distribution's name.
 */
export function describeFrontDoor(stackName: string, addStack: (app: App, id: string, props: StackProps) => Stack): void {
  const synth = (context: Record<string, string> = {}, props: StackProps = {}) => Template.fromStack(addStack(new App({ context }), stackName, props));
  const one = (t: Template, type: string): Resource => {
    const found = Object.values(t.findResources(type)) as Resource[];
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const containerEnv = (t: Template, name: string): unknown =>
    one(t, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions[0].Environment.find((e: { Name: string }) => e.Name === name)?.Value;
  const behaviour = (t: Template) => one(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.DefaultCacheBehavior;
  const distributionDomain = { 'Fn::GetAtt': [expect.stringMatching(/^McpCdnDistribution/), 'DomainName'] };

  describe(`${stackName}'s front door: CloudFront, then an internal ALB`, () => {
    const t = synth();

    it('serves HTTPS from a CloudFront distribution whose one origin is a VPC origin on the ALB', () => {
      const config = one(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
      expect(config.Origins).toHaveLength(1);
      expect(config.Origins[0].VpcOriginConfig.VpcOriginId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/VpcOrigin/), 'Id'] });
      const endpoint = one(t, 'AWS::CloudFront::VpcOrigin').Properties.VpcOriginEndpointConfig;
      expect(endpoint).toMatchObject({ Arn: { Ref: expect.stringMatching(/^McpAlb/) }, HTTPPort: 80, OriginProtocolPolicy: 'http-only' });
    });

    it('puts the ALB in subnets with no route to or from the internet', () => {
      expect(one(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties).toMatchObject({ Scheme: 'internal', Type: 'application' });
      const albSubnets: string[] = one(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.Subnets.map((s: { Ref: string }) => s.Ref);
      expect(albSubnets).toHaveLength(2);
      const associations = Object.values(t.findResources('AWS::EC2::SubnetRouteTableAssociation')) as Resource[];
      const routes = Object.values(t.findResources('AWS::EC2::Route')) as Resource[];
      for (const subnet of albSubnets) {
        const table = associations.find((a) => a.Properties.SubnetId.Ref === subnet)!.Properties.RouteTableId.Ref;
        expect(routes.filter((r) => r.Properties.RouteTableId.Ref === table)).toEqual([]);
        expect(t.findResources('AWS::EC2::Subnet')[subnet]!.Properties.MapPublicIpOnLaunch).toBe(false);
      }
      t.resourceCountIs('AWS::EC2::NatGateway', 0);
    });

    it('opens no security group to 0.0.0.0/0: the ALB admits only the VPC origin, the tasks only the ALB', () => {
      const groups = Object.values(t.findResources('AWS::EC2::SecurityGroup')) as Resource[];
      for (const group of groups) expect(group.Properties.SecurityGroupIngress ?? []).toEqual([]);
      const ingress = (Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')) as Resource[]).map((r) => r.Properties);
      expect(ingress.map((rule) => rule.CidrIp ?? rule.CidrIpv6)).toEqual([undefined, undefined]);
      expect(ingress).toContainEqual(
        expect.objectContaining({ GroupId: { 'Fn::GetAtt': [expect.stringMatching(/^McpAlbSecurityGroup/), 'GroupId'] }, FromPort: 80, ToPort: 80, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^McpCdnVpcOriginSecurityGroup/), 'SecurityGroups.0.GroupId'] } }),
      );
      expect(ingress).toContainEqual(expect.objectContaining({ FromPort: 8080, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^McpAlbSecurityGroup/), 'GroupId'] } }));
      // The lookup finds CloudFront's own group for this VPC's origins, once the distribution exists.
      t.hasResource('Custom::AWS', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('^McpCdnDistribution')]) });
      expect(JSON.stringify(t.findResources('Custom::AWS'))).toContain('CloudFront-VPCOrigins-Service-SG');
    });

    it('passes MCP traffic untouched: no cache, every method, every viewer header, cookie and query string; HTTPS only, a 403 and no redirect for plain HTTP', () => {
      expect(behaviour(t)).toMatchObject({
        CachePolicyId: CACHING_DISABLED,
        OriginRequestPolicyId: ALL_VIEWER, // Cookie to the ALB (AWSALB); CloudFront returns Set-Cookie to the viewer
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        ViewerProtocolPolicy: 'https-only',
        Compress: false,
      });
    });

    it('outlasts CloudFront\'s read timeout: SSE keep-alives well inside it, every JSON answer shorter, its idle connections closed before the ALB\'s', () => {
      const { OriginReadTimeout, OriginKeepaliveTimeout } = one(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.Origins[0].VpcOriginConfig;
      const keepAliveMs = Number(containerEnv(t, 'MCP_SSE_KEEPALIVE_MS'));
      expect(keepAliveMs).toBeGreaterThan(0);
      expect(OriginReadTimeout * 1000).toBeGreaterThanOrEqual(3 * keepAliveMs);
      expect(OriginReadTimeout * 1000).toBeGreaterThan(2 * COUNTDOWN_LIMITS.maxSteps * COUNTDOWN_LIMITS.maxDelayMs);
      const albIdle = one(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes.find((a: { Key: string }) => a.Key === 'idle_timeout.timeout_seconds').Value;
      expect(OriginKeepaliveTimeout).toBeLessThan(Number(albIdle));
    });

    it('logs and limits the client CloudFront saw: two trusted X-Forwarded-For hops', () => {
      expect(containerEnv(t, 'MCP_TRUSTED_PROXY_HOPS')).toBe('2');
    });

    it('accepts the distribution\'s name as Host, and outputs an https:// URL on it', () => {
      expect(containerEnv(t, 'MCP_ALLOWED_HOSTS')).toEqual(distributionDomain);
      t.hasOutput('McpUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^McpCdnDistribution'), 'DomainName'] }, '/mcp']] } });
    });

    it('attaches no web ACL unless asked', () => {
      expect(one(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.WebACLId).toBeUndefined();
      t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    });
  });

  describe(`${stackName}'s front door with context`, () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';

    it('serves a custom domain from CloudFront, with its us-east-1 certificate and TLS 1.2 at least', () => {
      const t = synth({ domainName: 'mcp.example.com', certificateArn });
      expect(one(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig).toMatchObject({
        Aliases: ['mcp.example.com'],
        ViewerCertificate: { AcmCertificateArn: certificateArn, SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021' },
      });
      expect(containerEnv(t, 'MCP_ALLOWED_HOSTS')).toEqual({ 'Fn::Join': [',', [distributionDomain, 'mcp.example.com']] });
      t.hasOutput('McpUrl', { Value: 'https://mcp.example.com/mcp' });
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1); // HTTP to the internal ALB only
    });

    it.each([
      [{ domainName: 'mcp.example.com' }, /certificateArn/],
      [{ domainName: 'mcp.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }, /us-east-1.*eu-west-1/],
      [{ rateLimitPerIp: '5' }, /rateLimitPerIp must be an integer from 10/],
      [{ rateLimitPerIp: '100', webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/mcp/abc' }, /exclusive/],
    ])('refuses %j at synth', (context, message) => {
      expect(() => synth(context)).toThrow(message);
    });

    it('attaches an existing web ACL', () => {
      const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/mcp/abc';
      expect(one(synth({ webAclArn }), 'AWS::CloudFront::Distribution').Properties.DistributionConfig.WebACLId).toBe(webAclArn);
    });

    it('creates a CLOUDFRONT-scope web ACL with a per-IP rate-based rule, and refuses to deploy it outside us-east-1', () => {
      const t = synth({ rateLimitPerIp: '1000' });
      const acl = one(t, 'AWS::WAFv2::WebACL').Properties;
      expect(acl).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
      expect(acl.Rules).toEqual([expect.objectContaining({ Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 1000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } } })]);
      expect(one(t, 'AWS::CloudFront::Distribution').Properties.DistributionConfig.WebACLId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/RateLimit/), 'Arn'] });
      // Stacks here name no region: CloudFormation checks it before it creates anything.
      const rules = t.toJSON().Rules as Record<string, { Assertions: Array<{ Assert: unknown; AssertDescription: string }> }>;
      expect(Object.values(rules).flatMap((r) => r.Assertions)).toContainEqual({ Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }, AssertDescription: expect.stringMatching(/us-east-1.*webAclArn/) });
      // A stack that names its region learns it at synth.
      expect(() => synth({ rateLimitPerIp: '1000' }, { env: { region: 'eu-west-1' } })).toThrow(/must be in us-east-1.*eu-west-1/);
      expect(() => synth({ rateLimitPerIp: '1000' }, { env: { region: 'us-east-1' } })).not.toThrow();
    });
  });
}
