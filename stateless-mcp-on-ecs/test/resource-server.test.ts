/** The OAuth resource server on the stateless ECS app, over loopback (shared/test-support/resource-server). */
import { detectInstance, loadConfig, serve } from '@mcp-on-aws/shared';

import { describeResourceServer, describeSignIn, type ResourceServerSuite } from '../../shared/test-support/resource-server';
import { createStatelessApp } from '../src/app';

const quiet = () => {};

const start: ResourceServerSuite['start'] = async (env) => {
  const { app, onShutdown } = createStatelessApp({ config: loadConfig(env), instance: detectInstance({}), log: quiet });
  const serving = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, onShutdown, log: quiet });
  return { url: serving.url, close: () => serving.shutdown() };
};

describeResourceServer({ start, health: true });
describe('signing in through the local authorization server', () => describeSignIn({ start }));
