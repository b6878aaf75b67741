/**
 * The stack's template: the properties a deployment depends on, and cdk-nag's AwsSolutions pack
 * with nothing left over (in-process, synth throws on any finding not acknowledged in code).
 */
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

import { StatelessMcpOnLambda } from '../infra/stack';

// Bundling is the bundle test's and `cdk synth`'s business; skipping it here keeps this file fast.
const app = (withNag = false, context: Record<string, string> = {}) => {
  const created = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  if (withNag) Validations.of(created).addPlugins(new AwsSolutionsChecks(created));
  return created;
};

describe('StatelessMcpOnLambda', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(new StatelessMcpOnLambda(app(), 'StatelessMcpOnLambda'));
  });

  it('runs the bundled handler on Node 22 or newer, ARM64, for at most a minute', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).map((r) => r.Properties);
    expect(fn).toMatchObject({ Handler: 'index.handler', Architectures: ['arm64'], MemorySize: 1024, Timeout: 60 });
    expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
    expect(fn.Layers).toBeUndefined(); // no Lambda Web Adapter
    expect(fn.Environment.Variables).toMatchObject({ NODE_ENV: 'production' });
    expect(fn.Environment.Variables.NODE_OPTIONS).toBeUndefined(); // no --enable-source-maps: it lengthens every cold start
  });

  it('allows exactly the API\'s execute-api hostname in Host', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          MCP_ALLOWED_HOSTS: { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('^Api') }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
        },
      },
    });
  });

  it('gives the function the signing key by a deploy-time reference, never in the template', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).map((r) => r.Properties);
    expect(JSON.stringify(fn.Environment.Variables.MCP_REQUEST_STATE_KEY)).toMatch(/\{\{resolve:secretsmanager:/);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } });
  });

  it('keeps every log for a month, the gateway\'s execution logs too, in log groups the stack owns', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  it('makes the execution-log group API Gateway would otherwise make outside the stack, before the stage can write to it', () => {
    const [id, group] = Object.entries(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.anyValue() } }))[0]!;
    expect(group!.Properties.LogGroupName).toEqual({ 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: expect.stringMatching(/^Api/) }, '/prod']] });
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage'));
    expect(stage!.DependsOn).toContain(id);
  });

  it('streams the answer: ResponseTransferMode STREAM through the response-streaming invocation URI, the integration outlasting the function', () => {
    const [method] = Object.values(template.findResources('AWS::ApiGateway::Method')).map((r) => r.Properties);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).map((r) => r.Properties);
    expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', ResponseTransferMode: 'STREAM', TimeoutInMillis: 65_000 });
    const uri = JSON.stringify(method.Integration.Uri);
    expect(uri).toContain(':lambda:path/2021-11-15/functions/');
    expect(uri).toMatch(/\/response-streaming-invocations"\]\]\}$/);
    // Past the buffered 29 s; the function's own timeout ends a runaway call before the gateway does.
    expect(method.Integration.TimeoutInMillis).toBeGreaterThan(29_000);
    expect(method.Integration.TimeoutInMillis).toBeGreaterThan(fn.Timeout * 1000);
    expect(method.Integration.TimeoutInMillis).toBeLessThanOrEqual(15 * 60_000); // API Gateway's longest stream
  });

  it('serves ANY /mcp as a Lambda proxy on a Regional REST API', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'mcp' });
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'ANY', AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY' } });
  });

  it('routes GET and OPTIONS /.well-known/{proxy+} (the Protected Resource Metadata, under the stage) to the function, with no API Gateway authorizer anywhere', () => {
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const [wellKnownId] = Object.entries(resources).find(([, r]) => r.Properties.PathPart === '.well-known')!;
    const [proxyId] = Object.entries(resources).find(([, r]) => r.Properties.PathPart === '{proxy+}' && r.Properties.ParentId.Ref === wellKnownId)!;
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    const onWellKnown = methods.filter((m) => m.ResourceId.Ref === proxyId);
    expect(onWellKnown.map((m) => m.HttpMethod).sort()).toEqual(['GET', 'OPTIONS']);
    const [fnId] = Object.keys(template.findResources('AWS::Lambda::Function'));
    for (const method of onWellKnown) {
      expect(method).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY' } });
      expect(JSON.stringify(method.Integration.Uri)).toContain(fnId);
    }
    // /mcp's ANY and the two well-known methods; the function itself answers 401 with resource_metadata.
    expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['ANY', 'GET', 'OPTIONS']);
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
  });

  it('throttles the stage and writes access logs, never bodies', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 4, ThrottlingBurstLimit: 20, DataTraceEnabled: false, LoggingLevel: 'ERROR' })],
    });
  });

  it('bounds the executions anonymous traffic can hold to about a quarter of the default account pool, and reserves none by default', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage')).map((r) => r.Properties);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).map((r) => r.Properties);
    const { ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst } = stage.MethodSettings[0];
    // Every call at the function timeout (a 20 s countdown nearly is): concurrency = burst + rate × duration.
    expect(burst + rate * fn.Timeout).toBeLessThanOrEqual(300);
    // A fresh account may have 10 executions in all, and reserving may not leave fewer than 10 unreserved.
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('reserves concurrency when asked: -c reservedConcurrency=20', () => {
    const reserved = Template.fromStack(new StatelessMcpOnLambda(app(false, { reservedConcurrency: '20' }), 'StatelessMcpOnLambda'));
    reserved.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
  });

  it.each(['twenty', '0', '-5'])('refuses reservedConcurrency=%s, naming the setting', (value) => {
    expect(() => new StatelessMcpOnLambda(app(false, { reservedConcurrency: value }), 'StatelessMcpOnLambda')).toThrow(/reservedConcurrency/);
  });

  it('outputs the endpoint URL, and not CDK\'s default stage URL (which answers 403)', () => {
    // Besides the authentication outputs (auth.test.ts).
    expect(Object.keys(template.findOutputs('*')).filter((name) => !/^Auth|^ProtectedResourceMetadataUrl$/.test(name))).toEqual(['McpUrl']);
    expect(JSON.stringify(template.findOutputs('McpUrl'))).toContain('/mcp');
  });

  it('sets the account\'s API Gateway CloudWatch role (the README says it replaces any earlier one), and keeps it on destroy', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    const [role] = Object.values(template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] } } }));
    expect(role).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it.each([
    ['its own Cognito pool', {}],
    ['another authorization server', { authIssuer: 'https://example.eu.auth0.com/', authAudience: 'https://mcp.example.com/mcp' }],
    ['no authentication', { auth: 'none' }],
    ['active tracing and an alarm email', { tracing: 'true', alarmEmail: 'ops@example.com' }],
  ])('is clean under cdk-nag AwsSolutions with %s, every suppression acknowledged with a reason', (_, context) => {
    const checked = app(true, context);
    new StatelessMcpOnLambda(checked, 'StatelessMcpOnLambda');
    expect(() => checked.synth()).not.toThrow();
  });
});
