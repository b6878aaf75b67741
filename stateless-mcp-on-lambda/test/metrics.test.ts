// First: the runtime's `awslambda` global, which src/main.ts uses as it loads, as on Lambda.
import { awslambda } from '../../local/lambda-runtime';
import { detectInstance, loadConfig, type LogLine } from '@mcp-on-aws/shared';

import { conformanceFixtures } from '../../conformance/src/fixtures';
import { startLocalApi, type LocalApi } from '../../local/api-gateway';
import { connect } from '../../shared/test/support/clients';
import { expectNoEmf, expectRequestMetrics } from '../../shared/test-support/request-metrics';
import { createLambdaHandler } from '../src/main';

void awslambda;
const SERVICE = 'stateless-mcp-on-lambda';

async function start(env: NodeJS.ProcessEnv): Promise<{ api: LocalApi; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const handler = createLambdaHandler({ config: loadConfig(env), instance: detectInstance({}), extensions: [conformanceFixtures], log: (l) => void lines.push(l) });
  return { api: await startLocalApi({ handler }), lines };
}

describe('metrics of the Lambda function through the API Gateway emulator (EMF in its log lines)', () => {
  it.each(['legacy', 'modern'] as const)('counts requests, errors and latency per method and tool, %s era', async (era) => {
    const { api, lines } = await start({ MCP_METRICS: 'emf', MCP_SERVICE_NAME: SERVICE });
    try {
      await expectRequestMetrics(api.url, lines, SERVICE, era);
    } finally {
      await api.close();
    }
  });

  it('ties each line to its invocation as Powertools does: requestId is the awsRequestId, cold_start only on the first', async () => {
    const { api, lines } = await start({ MCP_METRICS: 'emf', MCP_SERVICE_NAME: SERVICE });
    try {
      const client = await connect(api.url, 'modern');
      await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
      await client.close();
      await new Promise((r) => setTimeout(r, 50));
      const requests = lines.filter((l) => l.msg === 'request');
      expect(requests.length).toBeGreaterThanOrEqual(2);
      expect(requests.map((l) => l.cold_start)).toEqual([true, ...requests.slice(1).map(() => false)]);
      for (const line of requests) expect(line).toMatchObject({ service: SERVICE, requestId: expect.stringMatching(/\S/), function_request_id: line.requestId });
      expect(new Set(requests.map((l) => l.requestId)).size).toBe(requests.length);
    } finally {
      await api.close();
    }
  });

  it('writes no EMF without MCP_METRICS=emf', async () => {
    const { api, lines } = await start({});
    try {
      await expectNoEmf(api.url, lines);
    } finally {
      await api.close();
    }
  });
});
