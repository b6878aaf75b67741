import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { SHARED_TOOLS } from '@mcp-on-aws/shared/infra';
import { describeMcpObservability } from '../../shared/test-support/observability';
import { StatelessMcpOnLambda } from '../infra/stack';

describeMcpObservability('StatelessMcpOnLambda', (app, id) => new StatelessMcpOnLambda(app, id), {
  service: 'stateless-mcp-on-lambda',
  tools: SHARED_TOOLS,
  compute: 'lambda',
  // Beside every stack's p99 latency alarm:
  alarms: {
    ServerErrorRate: { threshold: 0.05, metrics: ['5XXError'] },
    Throttles: { threshold: 1, metrics: ['Throttles'] },
    // 80 % of the 260 executions the stage's throttling lets run at the function timeout.
    ConcurrencyNearLimit: { threshold: 208, metrics: ['ConcurrentExecutions'] },
  },
});

describe('StatelessMcpOnLambda\'s concurrency alarm', () => {
  const threshold = (context: Record<string, string>) => {
    const t = Template.fromStack(new StatelessMcpOnLambda(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }), 'StatelessMcpOnLambda'));
    const [alarm] = Object.entries(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith('ObservabilityConcurrencyNearLimit'));
    return alarm![1].Properties.Threshold;
  };

  it('follows reserved concurrency when it binds first: 80 % of -c reservedConcurrency=20', () => {
    expect(threshold({ reservedConcurrency: '20' })).toBe(16);
  });

  it('keeps the stage\'s bound when the reservation is larger', () => {
    expect(threshold({ reservedConcurrency: '500' })).toBe(208);
  });
});
