import { CfnRule, Duration, Fn, RemovalPolicy, Stack, Token, Validations, type Acknowledgment } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

import { integerSetting } from '../src/config';

/**
 * How long CloudFront waits on a silent origin before it ends the response. Every stream the
 * tasks serve writes a keep-alive comment every `SSE_KEEPALIVE`, and every tool answered as one
 * JSON body finishes well inside it (countdown: 20 s). The default quota allows up to 120 s.
 */
export const ORIGIN_READ_TIMEOUT = Duration.seconds(60);
/** How often a quiet SSE stream gets a comment line: a quarter of the read timeout, so a late timer still fits. */
export const SSE_KEEPALIVE = Duration.seconds(15);
/**
 * How long CloudFront keeps an idle connection to the ALB: under the ALB's 60 s idle timeout, so
 * CloudFront never reuses a connection the ALB has just closed (a 502).
 */
export const ORIGIN_KEEPALIVE = Duration.seconds(55);

/** CloudFront's name for the security group a VPC origin's network interfaces use, one per VPC. */
const VPC_ORIGIN_SECURITY_GROUP = 'CloudFront-VPCOrigins-Service-SG';

/** What a deployer may choose about the front door; each is also a CDK context value of the same name. */
export interface FrontDoorProps {
  /** A custom domain for the distribution, with an ACM certificate in us-east-1 (CloudFront reads it there). */
  domainName?: string;
  certificateArn?: string;
  /** An existing WAFv2 web ACL with CLOUDFRONT scope. */
  webAclArn?: string;
  /** Or a new web ACL with one rate-based rule: at most this many requests per client IP per 5 minutes. */
  rateLimitPerIp?: number;
}

/** Each front-door prop, else the CDK context value of the same name (`-c domainName=…`). */
export function frontDoorFromContext(scope: Construct, props: FrontDoorProps): FrontDoorProps {
  const context = (key: keyof FrontDoorProps): string | undefined => scope.node.tryGetContext(key) || undefined;
  const rateLimit = props.rateLimitPerIp ?? context('rateLimitPerIp');
  return {
    domainName: props.domainName ?? context('domainName'),
    certificateArn: props.certificateArn ?? context('certificateArn'),
    webAclArn: props.webAclArn ?? context('webAclArn'),
    // WAF's bounds for a rate-based rule over its 5-minute window.
    rateLimitPerIp: rateLimit === undefined ? undefined : integerSetting('rateLimitPerIp', rateLimit, { min: 10, max: 2_000_000_000 }),
  };
}

export interface McpDistributionProps extends FrontDoorProps {
  /** An internal ALB: the distribution reaches it through a VPC origin and admits nothing else to it. */
  loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The ALB listener's port (HTTP). */
  originPort: number;
}

/**
 * HTTPS in front of an internal ALB, with no domain needed: a CloudFront distribution whose one
 * origin is the ALB, reached through a CloudFront VPC origin. Nothing on the internet can reach the
 * ALB but CloudFront, and the ALB admits only the VPC origin's security group.
 *
 * The behaviour passes MCP traffic through untouched: no caching, every method, every viewer
 * header (the Host the client typed included, so the tasks' Host allow-list checks the name the
 * client used), cookie (`AWSALB` both ways) and query string.
 */
export class McpDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  /** The name clients use: the custom domain, or `<id>.cloudfront.net`. */
  readonly domainName: string;
  /** The names a request through CloudFront can carry in `Host`. */
  readonly hostNames: string[];

  constructor(scope: Construct, id: string, props: McpDistributionProps) {
    super(scope, id);
    if (Boolean(props.domainName) !== Boolean(props.certificateArn)) {
      throw new Error('domainName and certificateArn go together: CloudFront needs a certificate for the domain');
    }
    if (props.certificateArn) assertUsEast1Certificate(props.certificateArn);
    if (props.webAclArn && props.rateLimitPerIp !== undefined) throw new Error('webAclArn and rateLimitPerIp are exclusive: the rate limit creates its own web ACL');

    const origin = origins.VpcOrigin.withApplicationLoadBalancer(props.loadBalancer, {
      // Inside AWS's network, to an internal ALB that has no certificate for a name of ours.
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      httpPort: props.originPort,
      readTimeout: ORIGIN_READ_TIMEOUT,
      keepaliveTimeout: ORIGIN_KEEPALIVE,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `MCP endpoint: ${Stack.of(this).stackName}`,
      defaultBehavior: {
        origin,
        // A redirect connects no MCP client (shared/test/https-only.test.ts): plain HTTP gets CloudFront's 403.
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // All viewer headers, Host included: the tasks accept only the names a client may use.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
        compress: false, // SSE must reach the client event by event
      },
      ...(props.domainName && {
        domainNames: [props.domainName],
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn!),
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
      webAclId: props.webAclArn ?? (props.rateLimitPerIp !== undefined ? this.rateLimit(props.rateLimitPerIp).attrArn : undefined),
    });
    this.domainName = props.domainName ?? this.distribution.distributionDomainName;
    this.hostNames = [this.distribution.distributionDomainName, ...(props.domainName ? [props.domainName] : [])];

    this.admitOnlyTheVpcOrigin(props.loadBalancer, props.originPort);
    this.acknowledgeNagFindings(Boolean(props.domainName), Boolean(props.webAclArn || props.rateLimitPerIp !== undefined));
  }

  /**
   * CloudFront makes the VPC origin's security group itself, and CloudFormation cannot name it,
   * so a lookup at deploy time finds it (as the CDK's own README shows) once the distribution exists.
   */
  private admitOnlyTheVpcOrigin(loadBalancer: elbv2.ApplicationLoadBalancer, port: number): void {
    const lookup: cr.AwsSdkCall = {
      service: 'EC2',
      action: 'describeSecurityGroups',
      parameters: {
        Filters: [
          { Name: 'vpc-id', Values: [loadBalancer.vpc!.vpcId] },
          { Name: 'group-name', Values: [VPC_ORIGIN_SECURITY_GROUP] },
        ],
      },
      physicalResourceId: cr.PhysicalResourceId.of(VPC_ORIGIN_SECURITY_GROUP),
      outputPaths: ['SecurityGroups.0.GroupId'],
    };
    const vpcOriginGroup = new cr.AwsCustomResource(this, 'VpcOriginSecurityGroup', {
      onCreate: lookup,
      onUpdate: lookup,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'LookupLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    });
    vpcOriginGroup.node.addDependency(this.distribution);
    Validations.of(vpcOriginGroup).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeSecurityGroups has no resource-level permissions; the lookup reads one group by name.' });
    Validations.of(vpcOriginGroup.grantPrincipal as iam.Role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The CDK's lookup function writes its own logs, and nothing else, with the managed basic execution policy.",
    });
    // A rule of its own, not inline in the ALB's group: the group comes before the ALB, the ALB before the VPC origin.
    new ec2.CfnSecurityGroupIngress(this, 'AlbFromVpcOrigin', {
      groupId: loadBalancer.connections.securityGroups[0]!.securityGroupId,
      sourceSecurityGroupId: vpcOriginGroup.getResponseField('SecurityGroups.0.GroupId'),
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      description: 'Only CloudFront, through the VPC origin',
    });
  }

  /** CLOUDFRONT-scope web ACLs live in us-east-1: elsewhere the stack refuses it, at synth when the region is known, else before deploy. */
  private rateLimit(limit: number): wafv2.CfnWebACL {
    const region = Stack.of(this).region;
    const why = '-c rateLimitPerIp creates a CLOUDFRONT-scope web ACL, which must be in us-east-1: deploy the stack there, or create the web ACL in us-east-1 and pass -c webAclArn=<its ARN>';
    if (!Token.isUnresolved(region) && region !== 'us-east-1') throw new Error(`${why} (this stack is in ${region})`);
    new CfnRule(this, 'RateLimitNeedsUsEast1', {
      assertions: [{ assert: Fn.conditionEquals(Stack.of(this).region, 'us-east-1'), assertDescription: why }],
    });
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name });
    return new wafv2.CfnWebACL(this, 'RateLimit', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metric('mcp-web-acl'),
      rules: [
        {
          name: 'per-client-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: metric('mcp-rate-limit'),
        },
      ],
    });
  }

  /** Each finding the design accepts, with its reason; anything new still fails synth. */
  private acknowledgeNagFindings(customDomain: boolean, webAcl: boolean): void {
    const ack = (scope: Construct, ...rules: Acknowledgment[]) => Validations.of(scope).acknowledge(...rules);
    const findings: Acknowledgment[] = [
      { id: 'AwsSolutions-CFR1', reason: 'An MCP endpoint for any client: no country is turned away by default.' },
      { id: 'AwsSolutions-CFR3', reason: 'Access logs need an S3 bucket per deployment; each task writes one JSON log line per request, with the client IP, to CloudWatch instead.' },
    ];
    if (!webAcl) findings.push({ id: 'AwsSolutions-CFR2', reason: 'WAF is optional (-c webAclArn or -c rateLimitPerIp, README); the tasks limit each client IP as a backstop.' });
    if (!customDomain) findings.push({ id: 'AwsSolutions-CFR4', reason: 'The default *.cloudfront.net certificate has a TLS policy CloudFront fixes; with -c domainName the minimum is TLS 1.2.' });
    ack(this.distribution, ...findings);
  }
}

/** CloudFront reads its certificates from us-east-1 only; a certificate elsewhere fails deep into a deploy. */
function assertUsEast1Certificate(certificateArn: string): void {
  if (Token.isUnresolved(certificateArn)) return;
  const region = certificateArn.split(':')[3];
  if (region !== 'us-east-1') {
    throw new Error(`certificateArn must be an ACM certificate in us-east-1, where CloudFront reads certificates; ${certificateArn} is in ${region || 'no region'}`);
  }
}
