/**
 * The stateless ECS server as `stateless-mcp-on-ecs/src/main.ts` builds it, plus the conformance
 * fixtures: the same app, config and process shell, so the suites judge what ships, one extension aside.
 */
import { detectInstance, loadConfig, runServer } from '@mcp-on-aws/shared';

import { createStatelessApp } from '../../../stateless-mcp-on-ecs/src/app';
import { conformanceFixtures } from '../fixtures';

const config = loadConfig();
const instance = detectInstance();

runServer(() => createStatelessApp({ config, instance, extensions: [conformanceFixtures] }), { config, instance });
