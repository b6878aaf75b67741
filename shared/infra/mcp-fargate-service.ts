import { Duration, Fn, RemovalPolicy, Validations, type Acknowledgment } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { type EcsSample, monorepoImage } from './image';
import { type AuthProps, McpAuth } from './mcp-auth';
import { type FrontDoorProps, McpDistribution, SSE_KEEPALIVE } from './mcp-distribution';
import { addCollectorSidecar, tracingEnvironment } from './tracing';

export interface McpFargateServiceProps extends FrontDoorProps {
  /** The sample whose image runs: shared/Dockerfile builds it with `--build-arg SAMPLE=<sample>`. */
  sample: EcsSample;
  /** Tasks to run when load is low; autoscaling may add up to four times as many. */
  desiredCount: number;
  /** SIGTERM to exit: the server drains for this long, and ECS waits a little longer before SIGKILL. */
  shutdownDeadline: Duration;
  /** Stateless: any task answers any request. Stateful: the ALB's `AWSALB` cookie, for this long. */
  stickiness?: Duration;
  /** How long the ALB lets a deregistered task finish its requests before ECS sends SIGTERM; default 30 s. */
  deregistrationDelay?: Duration;
  /** Extra container environment and secrets (the shared ones are set here). */
  environment?: Record<string, string>;
  secrets?: Record<string, ecs.Secret>;
  /** Who may call the endpoint (`authFromContext`); default a Cognito user pool of the stack's own. */
  auth?: AuthProps;
  /** An OpenTelemetry collector beside the server in every task, sending its spans to X-Ray (`tracingFromContext`). */
  tracing?: boolean;
}

const CONTAINER_PORT = 8080;
/** The ALB's one listener: plain HTTP, which only the VPC origin reaches; viewers get HTTPS from CloudFront. */
const ALB_PORT = 80;

/**
 * The network, front door and Fargate service every ECS sample runs on, in the order a request
 * travels: VPC, internal ALB, CloudFront (HTTPS, `McpDistribution`), target group, service,
 * scaling. The sample's stack adds what is its own (secrets, tables) and reads top to bottom.
 *
 * The ALB sits in isolated subnets, with no route to or from the internet: CloudFront reaches it
 * through a VPC origin, and nothing else can. The tasks keep public subnets with public IPs and no
 * NAT gateway: they need outbound access only to pull their image and reach AWS APIs, a NAT
 * gateway per AZ would cost more than the tasks, and their security group admits nothing but the ALB.
 */
export class McpFargateService extends Construct {
  readonly vpc: ec2.Vpc;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly logGroup: logs.LogGroup;
  readonly distribution: McpDistribution;
  /** The endpoint's authentication: the tasks' auth environment, and the Cognito pool unless another issuer or none. */
  readonly auth: McpAuth;
  /** What a client connects to: `https://<distribution or custom domain>/mcp`. */
  readonly mcpUrl: string;

  constructor(scope: Construct, id: string, props: McpFargateServiceProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2, // the ALB needs two AZs; more adds cost, not availability, for a sample
      natGateways: 0,
      subnetConfiguration: [
        { name: 'tasks', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'alb', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    // Rejected traffic only: what a security review needs, at a fraction of the volume.
    this.vpc.addFlowLog('Rejected', {
      trafficType: ec2.FlowLogTrafficType.REJECT,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.oneMonthLogGroup('FlowLogs')),
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: this.vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      // > 2 × the SSE keep-alive (15 s), so a quiet stream is never cut; under the tasks'
      // keep-alive (HTTP_TIMEOUTS in shared/src/http/serve.ts, 65 s), so the ALB closes idle connections first.
      idleTimeout: Duration.seconds(60),
      dropInvalidHeaderFields: true,
    });
    const listener = this.loadBalancer.addListener('Http', { port: ALB_PORT, open: false });
    this.distribution = new McpDistribution(this, 'Cdn', {
      loadBalancer: this.loadBalancer,
      originPort: ALB_PORT,
      domainName: props.domainName,
      certificateArn: props.certificateArn,
      webAclArn: props.webAclArn,
      rateLimitPerIp: props.rateLimitPerIp,
    });

    this.auth = new McpAuth(this, 'Auth', { ...props.auth, origin: `https://${this.distribution.domainName}` });

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    this.logGroup = this.oneMonthLogGroup('Logs');
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 256, // 0.25 vCPU: one Node process, JSON in and out, no I/O in the tools
      // The server's 512 MiB (what MCP_MAX_SESSIONS was measured in), doubled with tracing: Fargate's next size
      // for 0.25 vCPU, so the collector's own memory never comes out of the server's.
      memoryLimitMiB: props.tracing ? 1024 : 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });

    // The Host/Origin allow-list names what clients type: CloudFront passes the viewer's Host through.
    const allowedHosts = this.distribution.hostNames;
    this.taskDefinition.addContainer('mcp', {
      image: monorepoImage(props.sample),
      portMappings: [{ containerPort: CONTAINER_PORT }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'mcp' }),
      environment: {
        PORT: String(CONTAINER_PORT),
        MCP_ALLOWED_HOSTS: Fn.join(',', allowedHosts),
        MCP_SHUTDOWN_DEADLINE_MS: String(props.shutdownDeadline.toMilliseconds()),
        MCP_SSE_KEEPALIVE_MS: String(SSE_KEEPALIVE.toMilliseconds()),
        // CloudFront appends the viewer to X-Forwarded-For, then the ALB appends CloudFront.
        MCP_TRUSTED_PROXY_HOPS: '2',
        ...this.auth.environment,
        ...(props.tracing && tracingEnvironment('ecs')),
        ...props.environment,
      },
      secrets: props.secrets,
      stopTimeout: props.shutdownDeadline.plus(Duration.seconds(5)), // the drain, plus time to exit; Fargate allows 120 s at most
      readonlyRootFilesystem: true,
    });

    if (props.tracing) addCollectorSidecar(this.taskDefinition, this.logGroup);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.desiredCount,
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      minHealthyPercent: 100, // deploy new tasks before stopping old ones: no capacity dip
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
    });

    this.targetGroup = listener.addTargets('Tasks', {
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      healthCheck: { path: '/health', interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
      // The longest request a task serves (countdown: 20 s) finishes within it; the 300 s default only slows deploys.
      deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(30),
      ...(props.stickiness && { stickinessCookieDuration: props.stickiness }),
    });

    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.desiredCount, maxCapacity: props.desiredCount * 4 });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 }); // headroom for a burst while new tasks start (about a minute)
    scaling.scaleOnRequestCount('Requests', {
      targetGroup: this.targetGroup,
      requestsPerTarget: 6_000, // per minute: 100 req/s per 0.25-vCPU task, well under what one serves, so CPU is not the only signal
    });

    this.mcpUrl = this.auth.resourceUrl;
    this.acknowledgeNagFindings();
  }

  /** A month of logs, deleted with the stack: a sample leaves nothing behind on `cdk destroy`. */
  private oneMonthLogGroup(id: string): logs.LogGroup {
    return new logs.LogGroup(this, id, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  }

  /** Each finding the design accepts, with its reason; anything new still fails synth. */
  private acknowledgeNagFindings(): void {
    const ack = (scope: Construct, ...rules: Acknowledgment[]) => Validations.of(scope).acknowledge(...rules);
    ack(this.loadBalancer, {
      id: 'AwsSolutions-ELB2',
      reason: 'Access logs need an S3 bucket per deployment; each task writes one JSON log line per request to CloudWatch instead.',
    });
    ack(this.taskDefinition, {
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only non-secret settings (port, allowed hostnames, shutdown deadline); secrets come from Secrets Manager.',
    });
    ack(this.taskDefinition.obtainExecutionRole(), {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; the image pull itself is scoped to the asset repository.',
    });
  }
}
