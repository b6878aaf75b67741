/**
 * The stack's template: the properties a deployment depends on, and cdk-nag's AwsSolutions pack
 * with nothing left over (in-process, synth throws on any finding not acknowledged in code).
 */
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

import { StatelessMcpOnLambda } from '../infra/stack';

// Bundling is the bundle test's and `cdk synth`'s business; skipping it here keeps this file fast.
const app = (withNag = false) => {
  const created = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  if (withNag) Validations.of(created).addPlugins(new AwsSolutionsChecks(created));
  return created;
};

describe('StatelessMcpOnLambda', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(new StatelessMcpOnLambda(app(), 'StatelessMcpOnLambda'));
  });

  it('runs the bundled handler on Node 22 or newer, ARM64, under API Gateway\'s 29 s', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).map((r) => r.Properties);
    expect(fn).toMatchObject({ Handler: 'index.handler', Architectures: ['arm64'], MemorySize: 1024, Timeout: 25 });
    expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
    expect(fn.Layers).toBeUndefined(); // no Lambda Web Adapter
    expect(fn.Environment.Variables).toMatchObject({ NODE_ENV: 'production', NODE_OPTIONS: '--enable-source-maps' });
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

  it('keeps the function\'s logs for a month', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('serves ANY /mcp as a Lambda proxy on a Regional REST API', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'mcp' });
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'ANY', AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY' } });
    template.resourceCountIs('AWS::ApiGateway::Method', 1);
  });

  it('throttles the stage and writes access logs, never bodies', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, DataTraceEnabled: false, LoggingLevel: 'ERROR' })],
    });
  });

  it('outputs the endpoint URL', () => {
    const outputs = template.findOutputs('McpUrl');
    expect(JSON.stringify(outputs)).toContain('/mcp');
  });

  it('is clean under cdk-nag AwsSolutions, every suppression acknowledged with a reason', () => {
    const checked = app(true);
    new StatelessMcpOnLambda(checked, 'StatelessMcpOnLambda');
    expect(() => checked.synth()).not.toThrow();
  });
});
