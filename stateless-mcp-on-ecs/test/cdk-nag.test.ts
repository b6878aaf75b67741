/**
 * cdk-nag's AwsSolutions pack finds nothing the stack has not acknowledged with a reason in code
 * (see `acknowledgeNagFindings` and `RequestStateKey` in shared/infra). In-process, synth
 * throws on any finding left over, so a new one fails this test.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { StatelessMcpOnEcs } from '../infra/stack';

function synthWithNag(context: Record<string, string> = {}) {
  const app = new App({ context });
  new StatelessMcpOnEcs(app, 'StatelessMcpOnEcs');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return () => app.synth();
}

describe('cdk-nag AwsSolutions', () => {
  it('is clean over HTTP, the default', () => {
    expect(synthWithNag()).not.toThrow();
  });

  it('is clean with a domain and a certificate', () => {
    expect(synthWithNag({ domainName: 'mcp.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' })).not.toThrow();
  });
});
