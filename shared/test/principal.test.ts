/** `principalOf`, the key a stateful session will be bound to, from tokens a real JWKS issuer signed. */
import { loadConfig, principalOf, ResourceServer } from '../src';
import { startJwtIssuer, type JwtIssuer } from '../test-support/jwt-issuer';

let issuer: JwtIssuer;
let server: ResourceServer;
const resource = 'https://mcp.example.com/mcp';
beforeAll(async () => {
  issuer = await startJwtIssuer();
  server = new ResourceServer(loadConfig({ MCP_AUTH_ISSUER: issuer.issuer, MCP_RESOURCE_URL: resource }).auth!);
});
afterAll(() => issuer?.close());

async function principal(claims: Record<string, unknown>): Promise<string | undefined> {
  const result = await server.authenticate(`Bearer ${issuer.mint({ aud: resource, ...claims })}`, '', {});
  if (!result.ok) throw new Error(result.refusal.message);
  return principalOf(result.auth);
}

describe('principalOf', () => {
  it('is the issuer and the subject', async () => {
    expect(await principal({ sub: 'alice' })).toBe(`${issuer.issuer}|alice`);
  });

  it('is the issuer and the client for a token without a subject (client_credentials)', async () => {
    expect(await principal({ sub: undefined, client_id: 'robot' })).toBe(`${issuer.issuer}|robot`);
  });

  it('is undefined when authentication is off', () => {
    expect(principalOf(undefined)).toBeUndefined();
  });
});
