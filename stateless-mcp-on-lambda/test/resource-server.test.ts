/**
 * The OAuth resource server in the Lambda function (shared/test-support/resource-server), through the
 * local API Gateway: the stage in every URL, as on execute-api, and no authorizer in front.
 */
// First: the runtime's `awslambda` global, which src/main.ts uses as it loads, as on Lambda.
import { startLocalApi } from '../../local/api-gateway';
import { detectInstance, loadConfig } from '@mcp-on-aws/shared';

import { describeResourceServer, describeSignIn, type ResourceServerSuite } from '../../shared/test-support/resource-server';
import { createLambdaHandler } from '../src/main';

const start: ResourceServerSuite['start'] = (env) => startLocalApi({ handler: createLambdaHandler({ config: loadConfig(env), instance: detectInstance({}), log: () => {} }) });

describeResourceServer({ start });
describe('signing in through the local authorization server', () => describeSignIn({ start }));
