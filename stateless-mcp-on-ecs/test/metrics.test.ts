import { detectInstance, loadConfig, serve, type LogLine, type Serving } from '@mcp-on-aws/shared';

import { conformanceFixtures } from '../../conformance/src/fixtures';
import { expectNoEmf, expectRequestMetrics } from '../../shared/test-support/request-metrics';
import { createStatelessApp } from '../src/app';

const SERVICE = 'stateless-mcp-on-ecs';

async function start(env: NodeJS.ProcessEnv): Promise<{ server: Serving; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const config = loadConfig(env);
  const { app, onShutdown } = createStatelessApp({ config, instance: detectInstance({}), extensions: [conformanceFixtures], log: (l) => void lines.push(l) });
  const server = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, onShutdown, log: () => {} });
  return { server, lines };
}

describe('metrics of the stateless ECS server, from its request log lines (EMF)', () => {
  it.each(['legacy', 'modern'] as const)('counts requests, errors and latency per method and tool, %s era', async (era) => {
    const { server, lines } = await start({ MCP_METRICS: 'emf', MCP_SERVICE_NAME: SERVICE });
    try {
      await expectRequestMetrics(server.url, lines, SERVICE, era);
    } finally {
      await server.shutdown();
    }
  });

  it('writes no EMF without MCP_METRICS=emf', async () => {
    const { server, lines } = await start({});
    try {
      await expectNoEmf(server.url, lines);
    } finally {
      await server.shutdown();
    }
  });
});
