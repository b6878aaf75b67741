/**
 * A `subscriptions/listen` stream on Lambda would hear only the changes of its own execution
 * environment, so the Lambda deployment does not offer the method: it answers 404 with -32601 and
 * advertises no list-change or subscription capability in `server/discover`.
 */
import { conformanceFixtures } from '../../conformance/src/fixtures';
import { httpApiEvent, lambdaHandler, modernHeaders, modernMeta, restEvent, rpc } from './support/events';

const listen = rpc('subscriptions/listen', { _meta: modernMeta, notifications: { toolsListChanged: true } }, 41);

describe('subscriptions/listen on Lambda', () => {
  it.each([
    ['a REST API (payload 1.0)', restEvent({ headers: modernHeaders('subscriptions/listen'), body: listen })],
    ['an HTTP API (payload 2.0)', httpApiEvent({ headers: modernHeaders('subscriptions/listen'), body: listen })],
  ])('is not offered through %s: 404, -32601, the request id echoed', async (_shape, event) => {
    const result = await lambdaHandler()(event);
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toEqual({ jsonrpc: '2.0', id: 41, error: { code: -32601, message: expect.stringMatching(/^Method not found: subscriptions\/listen is not offered on Lambda/) } });
  });

  it.each([
    ['by default', undefined],
    ['with the conformance fixtures added', [conformanceFixtures]],
  ])('is not advertised by server/discover %s', async (_when, extensions) => {
    const result = await lambdaHandler({}, extensions)(restEvent({ headers: modernHeaders('server/discover'), body: rpc('server/discover', { _meta: modernMeta }) }));
    expect(result.statusCode).toBe(200);
    const { capabilities } = JSON.parse(result.body).result;
    expect(capabilities).toMatchObject({ tools: { listChanged: false }, prompts: { listChanged: false }, resources: { listChanged: false } });
    expect(capabilities.resources).not.toHaveProperty('subscribe');
  });

  it('still serves the rest of the 2026 era', async () => {
    const result = await lambdaHandler()(restEvent({ headers: modernHeaders('tools/list'), body: rpc('tools/list', { _meta: modernMeta }) }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).result.tools.map((t: { name: string }) => t.name)).toContain('ping');
  });
});
