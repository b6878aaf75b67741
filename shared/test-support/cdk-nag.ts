import { App, Validations, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * The check every ECS sample's stack gets: cdk-nag's AwsSolutions pack finds nothing the stack has
 * not acknowledged with a reason in code (shared/infra and the stack). In-process, synth throws on
 * any finding left over, so a new one fails the test. Over HTTP, the default, and with a domain.
 */
export function describeCdkNagClean(stackName: string, addStack: (app: App, id: string) => Stack): void {
  const synthWithNag = (context: Record<string, string> = {}) => {
    const app = new App({ context });
    addStack(app, stackName);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return () => app.synth();
  };

  describe(`cdk-nag AwsSolutions on ${stackName}`, () => {
    it('is clean over HTTP, the default', () => {
      expect(synthWithNag()).not.toThrow();
    });

    it('is clean with a domain and a certificate', () => {
      expect(synthWithNag({ domainName: 'mcp.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' })).not.toThrow();
    });
  });
}
