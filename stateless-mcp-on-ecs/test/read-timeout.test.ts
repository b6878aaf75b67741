import { detectInstance, loadConfig, serve } from '@mcp-on-aws/shared';

import { describeStreamsOutlastReadTimeout } from '../../shared/test-support/read-timeout';
import { createStatelessApp } from '../src/app';

describeStreamsOutlastReadTimeout(
  'stateless-mcp-on-ecs',
  async (env, extensions) => {
    const { app, onShutdown } = createStatelessApp({ config: loadConfig(env), instance: detectInstance({}), extensions, log: () => {} });
    const serving = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, onShutdown, log: () => {} });
    return { mcp: `${serving.url}/mcp`, shutdown: serving.shutdown };
  },
  { getStream: false }, // stateless: no 2025-era session, so no GET stream
);
