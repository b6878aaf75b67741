import { Aws, CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

import { RequestStateKey } from '@mcp-on-aws/shared/infra';
import { BUNDLING, ENTRY } from './bundling';

/**
 * MCP on Lambda behind a Regional REST API: `ANY /mcp` is a Lambda proxy to a function that
 * serves both protocol eras statelessly. No web adapter layer, no container, no VPC.
 * Reads top to bottom as a request travels: gateway, function, the key the function signs with.
 */
export class StatelessMcpOnLambda extends Stack {
  readonly api: apigateway.RestApi;
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'MCP Streamable HTTP on Lambda (stateless, both protocol eras)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Access logs need the account-level CloudWatch role; CDK keeps it when the stack goes,
      // because every other REST API in the account and Region uses the same setting.
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'prod',
        // 50 rps with bursts of 100: enough for a team of agents, and a runaway client stays far
        // below Lambda's default 1,000 concurrent executions, which the whole account shares.
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false, // never log bodies: tool arguments may carry anything
        metricsEnabled: true,
      },
    });
    const apiHost = `${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;

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
      timeout: Duration.seconds(25), // under API Gateway's 29 s, so the function, not the gateway, ends a runaway call; countdown takes 20 s at most
      logGroup: new logs.LogGroup(this, 'HandlerLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      bundling: BUNDLING,
      environment: {
        NODE_ENV: 'production',
        NODE_OPTIONS: '--enable-source-maps',
        MCP_ALLOWED_HOSTS: apiHost,
        MCP_REQUEST_STATE_KEY: SecretValue.secretsManager(requestStateKey.secret.secretArn).unsafeUnwrap(),
      },
    });

    const mcp = this.api.root.addResource('mcp');
    // ───── Authentication goes here ─────
    // The authorizer (Cognito or a Lambda authorizer validating OAuth 2.1 tokens) is passed to
    // this one addMethod as `{ authorizer }`; until then the endpoint is open (see the README).
    mcp.addMethod('ANY', new apigateway.LambdaIntegration(this.fn, { proxy: true }));

    new CfnOutput(this, 'McpUrl', { value: this.api.urlForPath('/mcp'), description: 'The MCP endpoint (Streamable HTTP, both protocol eras)' });

    this.acknowledgeNagFindings();
  }

  /** Every AwsSolutions finding this stack accepts, each with its reason (the key's own: see RequestStateKey). */
  private acknowledgeNagFindings(): void {
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole grants only CreateLogGroup, CreateLogStream and PutLogEvents: the least a logging function needs.',
    });
    const apiFindings: Array<[id: string, reason: string]> = [
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the account-level role that access logging requires.',
      ],
      ['AwsSolutions-APIG2', 'The function validates every body against the MCP schema and answers JSON-RPC errors; a gateway model would duplicate it with worse errors.'],
      ['AwsSolutions-APIG3', 'WAF costs more than this sample (USD 5 a month per web ACL and up); stage throttling caps abuse. Add a web ACL for production.'],
      ['AwsSolutions-APIG4', 'Authentication is a later issue; the one place it goes is marked at the ANY /mcp method, and the README says the endpoint is open until then.'],
      ['AwsSolutions-COG4', 'As for APIG4: the authorizer (Cognito or a token-validating Lambda) goes at the marked ANY /mcp method.'],
    ];
    for (const [id, reason] of apiFindings) Validations.of(this.api).acknowledge({ id, reason });
  }
}
