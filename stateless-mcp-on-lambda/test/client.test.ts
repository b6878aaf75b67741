/**
 * The Lambda sample's client CLI (`npm run client -w stateless-mcp-on-lambda`), the real process,
 * through the local API Gateway: both eras, and exit 1 when the answers are not a stateless one's.
 */
import { join } from 'node:path';

import { detectInstance, loadConfig, type Serving } from '@mcp-on-aws/shared';

import { startLocalApi, type LocalApi } from '../../local/api-gateway';
import { runClientCli } from '../../shared/test/support/client-cli';
import { startSessionful } from '../../shared/test/support/servers';
import { createLambdaHandler } from '../src/main';

const CLI = join(__dirname, '../client/cli.ts');

let api: LocalApi;
let sessionful: Serving;
beforeAll(async () => {
  const handler = createLambdaHandler({ config: loadConfig({}), instance: detectInstance({}), log: () => {} });
  [api, sessionful] = await Promise.all([startLocalApi({ handler }), startSessionful()]);
});
afterAll(async () => {
  await Promise.all([api?.close(), sessionful?.shutdown()]);
});

describe('the Lambda client CLI', () => {
  it('checks every tool in both eras through the local API Gateway, and exits 0', async () => {
    const run = await runClientCli(CLI, `${api.url}/mcp`, ['--confirm=yes']);
    for (const era of ['legacy', 'modern']) {
      expect(run.stdout).toContain(`${era} tools: ping, echo, countdown, confirm_action`);
      expect(run.stdout).toMatch(new RegExp(`^${era} ping 3: \\S+$`, 'm'));
      expect(run.stdout).toContain(`${era} countdown: 0 to go`);
    }
    expect(run.stdout).toContain('legacy confirm_action: confirm_action cannot ask for confirmation here');
    expect(run.stdout).toContain('modern confirm_action: Done: "restart the demo" was confirmed.');
    expect(run.stdout).toMatch(/^OK: legacy: 3 pings on \S+; modern: 3 pings on \S+; echo, countdown 3\/3 and confirm_action in both eras$/m);
    expect(run.code).toBe(0);
  });

  it('exits 1 when a server answers with a session, which no stateless deployment has', async () => {
    const run = await runClientCli(CLI, `${sessionful.url}/mcp`, ['--confirm=no']);
    expect(run.stdout).toMatch(/^FAIL: legacy ping 1 answered for session \S+; a stateless deployment has none$/m);
    expect(run.code).toBe(1);
  });
});
