/**
 * The Lambda handler as `stateless-mcp-on-lambda/src/main.ts` builds it, plus the conformance
 * fixtures, behind the local API Gateway (stage "local"), as `npm start -w stateless-mcp-on-lambda` runs it.
 */
import { detectInstance, jsonLogger, loadConfig } from '@mcp-on-aws/shared';

import { startLocalApi } from '../../../stateless-mcp-on-lambda/src/local';
import { createLambdaHandler } from '../../../stateless-mcp-on-lambda/src/main';
import { conformanceFixtures } from '../fixtures';

const handler = createLambdaHandler({ config: loadConfig(), instance: detectInstance(), extensions: [conformanceFixtures] });

void startLocalApi({ handler, port: Number(process.env.PORT ?? 3100), host: process.env.HOST ?? '127.0.0.1' }).then((api) => {
  // The runner waits for this line; its url is the stage's base URL, http://127.0.0.1:<port>/local.
  jsonLogger({ msg: 'listening', url: api.url, endpoint: `${api.url}/mcp` });
  const stop = () => void api.close().then(() => process.exit(0));
  process.once('SIGINT', stop).once('SIGTERM', stop);
});
