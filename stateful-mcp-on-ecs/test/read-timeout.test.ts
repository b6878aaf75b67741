import { detectInstance, loadConfig, serve } from '@mcp-on-aws/shared';

import { describeStreamsOutlastReadTimeout } from '../../shared/test-support/read-timeout';
import { createStatefulServer } from '../src/app';
import { loadSessionConfig } from '../src/session-config';

describeStreamsOutlastReadTimeout(
  'stateful-mcp-on-ecs',
  async (env, extensions) => {
    const { app, onShutdown } = createStatefulServer({ config: loadConfig(env), sessionConfig: loadSessionConfig(env), instance: detectInstance({}), extensions, log: () => {} });
    const serving = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, onShutdown, log: () => {} });
    return { mcp: `${serving.url}/mcp`, shutdown: serving.shutdown };
  },
  { getStream: true },
);
