import { App, Validations, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * The check every ECS sample's stack gets: cdk-nag's AwsSolutions pack finds nothing the stack has
 * not acknowledged with a reason in code (shared/infra and the stack). In-process, synth throws on
 * any finding left over, so a new one fails the test. In every front-door, authentication and observability context.
 */
export function describeCdkNagClean(stackName: string, addStack: (app: App, id: string) => Stack): void {
  const synthWithNag = (context: Record<string, string> = {}) => {
    const app = new App({ context });
    addStack(app, stackName);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return () => app.synth();
  };

  describe(`cdk-nag AwsSolutions on ${stackName}`, () => {
    it.each([
      ['the defaults (the cloudfront.net name, no web ACL)', {}],
      ['a domain and a certificate', { domainName: 'mcp.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }],
      ['an existing web ACL', { webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/mcp/abc' }],
      ['a rate limit per client IP', { rateLimitPerIp: '1000' }],
      ['another authorization server instead of the Cognito pool', { authIssuer: 'https://example.eu.auth0.com/', authAudience: 'https://mcp.example.com/mcp' }],
      ['no authentication', { auth: 'none' }],
      ['tracing (the collector sidecar) and an alarm email', { tracing: 'true', alarmEmail: 'ops@example.com' }],
    ])('is clean with %s', (_, context) => {
      expect(synthWithNag(context)).not.toThrow();
    });
  });
}
