import { Aws, CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

import {
  type AlarmProps,
  alarmsFromContext,
  type AuthProps,
  authFromContext,
  integerSetting,
  McpAuth,
  McpObservability,
  RequestStateKey,
  SHARED_TOOLS,
  tracingEnvironment,
  tracingFromContext,
  XRAY_WRITES_FINDING,
} from '@mcp-on-aws/shared/infra';
import { bundling, ENTRY } from './bundling';

/** Each value falls back to the CDK context of the same name: `npx cdk deploy StatelessMcpOnLambda -c reservedConcurrency=20`. */
export interface StatelessMcpOnLambdaProps extends StackProps, AuthProps, AlarmProps {
  /**
   * Reserved concurrency: at most this many executions at once, also held back for this function
   * from the account's pool. None by default, so a first deploy succeeds in a fresh account
   * (whose total may be 10, and reserving may not leave fewer than 10 unreserved).
   */
  reservedConcurrency?: number;
  /** Active X-Ray tracing, and the server's spans sent to it (`-c tracing=true`); default off. */
  tracing?: boolean;
}

/** The one stage: the URL's first segment, and part of the execution-log group's name. */
const STAGE = 'prod';
/**
 * The longest a call runs. A streamed answer may last 15 minutes, but every second of it holds an
 * execution: a minute is three times countdown's 20 s, and keeps the concurrency bound below.
 */
const FUNCTION_TIMEOUT = Duration.seconds(60);
/** Past API Gateway's buffered 29 s, as streaming allows, and past the function's, so the function ends a runaway call. */
const INTEGRATION_TIMEOUT = Duration.seconds(65);
/**
 * Stage throttling: steady requests per second, and the burst above it. Concurrency is rate ×
 * duration: BURST_LIMIT + RATE_LIMIT × 60 s = 260 executions at most, all at the function timeout.
 */
const RATE_LIMIT = 4;
const BURST_LIMIT = 20;
/** The most executions the stage lets run: every call at the function timeout. */
const STAGE_CONCURRENCY = BURST_LIMIT + RATE_LIMIT * FUNCTION_TIMEOUT.toSeconds();

/**
 * MCP on Lambda behind a Regional REST API: `ANY /mcp` is a streaming Lambda proxy to a function
 * that serves both protocol eras statelessly. No web adapter layer, no container, no VPC.
 * Reads top to bottom as a request travels: gateway, authentication, function, the key the function signs with.
 */
export class StatelessMcpOnLambda extends Stack {
  readonly api: apigateway.RestApi;
  readonly fn: NodejsFunction;
  /** The endpoint's authentication: the function's auth environment, and the Cognito pool unless another issuer or none. */
  readonly auth: McpAuth;
  readonly observability: McpObservability;

  constructor(scope: Construct, id: string, props: StatelessMcpOnLambdaProps = {}) {
    super(scope, id, props);
    const reservedContext: unknown = this.node.tryGetContext('reservedConcurrency');
    const reservedConcurrency =
      props.reservedConcurrency ?? (reservedContext === undefined ? undefined : integerSetting('reservedConcurrency', reservedContext, { min: 1, max: 10_000 }));
    const tracing = tracingFromContext(this, props.tracing);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'MCP Streamable HTTP on Lambda (stateless, both protocol eras)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Access logs need the account-level CloudWatch role. This sets the Region's one API Gateway
      // account setting to a role of this stack, replacing any role set before (README, "Deploy the
      // stack"); CDK keeps the role when the stack goes, as other APIs may rely on it.
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE,
        // Concurrency is rate × duration, so the stage bounds what anonymous traffic can hold:
        // at most BURST_LIMIT + RATE_LIMIT × 60 s = 260 executions, every call at the function
        // timeout, about a quarter of the account's default 1,000 (README, "Bound the concurrency").
        throttlingRateLimit: RATE_LIMIT,
        throttlingBurstLimit: BURST_LIMIT,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR, // into executionLogs below
        dataTraceEnabled: false, // never log bodies: tool arguments may carry anything
        metricsEnabled: true,
      },
    });
    // Execution logs go to a log group named after the API and stage. API Gateway would create it
    // outside the template, kept forever; made here first, it has a retention and goes with the stack.
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${STAGE}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);
    // CDK's own `Endpoint` output is the stage root, which answers 403; McpUrl is the endpoint.
    this.api.node.tryRemoveChild('Endpoint');
    const apiHost = `${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;

    // The endpoint's URL from restApiId and the stage, not `api.url`: the function's environment
    // names it, and `api.url` depends on the deployment, which depends on the function.
    this.auth = new McpAuth(this, 'Auth', { ...authFromContext(this, props), origin: `https://${apiHost}`, stage: STAGE });

    // Signs the `requestState` of confirm_action: every execution environment must verify what
    // another one minted. CloudFormation resolves the reference into the environment at deploy
    // time, so no invocation ever calls Secrets Manager (README: "Where the signing key lives").
    const requestStateKey = new RequestStateKey(this, 'RequestStateKey', 'StatelessMcpOnLambda');

    this.fn = new NodejsFunction(this, 'Handler', {
      entry: ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64, // Graviton: about 20 % less per GB-second than x86, and the bundle is pure JavaScript
      // 1,769 MB buys one vCPU; 1,024 MB (~0.6 vCPU) keeps the cold start's module load short,
      // while a warm call (~1 ms of CPU) costs about the same at any size.
      memorySize: 1024,
      timeout: FUNCTION_TIMEOUT, // the function, not the gateway (INTEGRATION_TIMEOUT), ends a runaway call
      reservedConcurrentExecutions: reservedConcurrency,
      tracing: tracing ? lambda.Tracing.ACTIVE : undefined,
      logGroup: new logs.LogGroup(this, 'HandlerLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      bundling: bundling({ tracing }),
      environment: {
        NODE_ENV: 'production',
        MCP_ALLOWED_HOSTS: apiHost,
        MCP_REQUEST_STATE_KEY: SecretValue.secretsManager(requestStateKey.secret.secretArn).unsafeUnwrap(),
        ...this.auth.environment,
        ...(tracing && tracingEnvironment('lambda')),
      },
    });

    // STREAM: API Gateway invokes the function with InvokeWithResponseStream (the
    // `response-streaming-invocations` URI) and passes the answer on as the function writes it.
    const integration = new apigateway.LambdaIntegration(this.fn, { proxy: true, responseTransferMode: apigateway.ResponseTransferMode.STREAM, timeout: INTEGRATION_TIMEOUT });
    // No API Gateway authorizer: the function verifies the bearer token itself (shared/src/auth), so
    // its 401 carries `WWW-Authenticate: Bearer resource_metadata="…"`, which clients discover from.
    this.api.root.addResource('mcp').addMethod('ANY', integration);
    // The Protected Resource Metadata, under the stage: it answers without a token, with CORS for
    // browser clients (the Inspector), so GET and the preflight's OPTIONS.
    const wellKnown = this.api.root.addResource('.well-known').addResource('{proxy+}');
    for (const method of ['GET', 'OPTIONS']) wellKnown.addMethod(method, integration);

    new CfnOutput(this, 'McpUrl', { value: this.api.urlForPath('/mcp'), description: 'The MCP endpoint (Streamable HTTP, both protocol eras)' });

    this.observability = new McpObservability(this, 'Observability', {
      service: 'stateless-mcp-on-lambda',
      tools: SHARED_TOOLS,
      ...alarmsFromContext(this, props),
      // Whichever binds first: the reserved executions, or what the stage's throttling lets in.
      lambda: { fn: this.fn, api: this.api, concurrencyBound: Math.min(reservedConcurrency ?? STAGE_CONCURRENCY, STAGE_CONCURRENCY) },
    });

    this.acknowledgeNagFindings(tracing);
  }

  /** Every AwsSolutions finding this stack accepts, each with its reason (the key's own: see RequestStateKey). */
  private acknowledgeNagFindings(tracing: boolean): void {
    const authorization =
      this.auth.environment.MCP_AUTH === 'none'
        ? 'Deployed with -c auth=none: no authentication, for trials only (README, "Authentication").'
        : 'The function verifies the OAuth bearer token on /mcp itself, so its 401 names the Protected Resource Metadata (an authorizer\'s 401 cannot); /.well-known serves that metadata, which needs no token.';
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole grants only CreateLogGroup, CreateLogStream and PutLogEvents: the least a logging function needs.',
    });
    if (tracing) Validations.of(this.fn).acknowledge(XRAY_WRITES_FINDING);
    const apiFindings: Array<[id: string, reason: string]> = [
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the account-level role that access logging requires.',
      ],
      ['AwsSolutions-APIG2', 'The function validates every body against the MCP schema and answers JSON-RPC errors; a gateway model would duplicate it with worse errors.'],
      ['AwsSolutions-APIG3', 'WAF costs more than this sample (USD 5 a month per web ACL and up); stage throttling caps abuse. Add a web ACL for production.'],
      ['AwsSolutions-APIG4', authorization],
      ['AwsSolutions-COG4', authorization],
    ];
    for (const [id, reason] of apiFindings) Validations.of(this.api).acknowledge({ id, reason });
  }
}
