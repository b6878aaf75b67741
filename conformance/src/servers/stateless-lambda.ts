/**
 * The Lambda handler as `stateless-mcp-on-lambda/src/main.ts` builds it, plus the conformance
 * fixtures, behind the local API Gateway (stage "local"), as `npm start -w stateless-mcp-on-lambda` runs it.
 */
import { detectInstance, loadConfig } from '@mcp-on-aws/shared';

import { runLocalApi } from '../../../local/api-gateway';
import { createLambdaHandler } from '../../../stateless-mcp-on-lambda/src/main';
import { conformanceFixtures } from '../fixtures';

void runLocalApi(createLambdaHandler({ config: loadConfig(), instance: detectInstance(), extensions: [conformanceFixtures] }));
