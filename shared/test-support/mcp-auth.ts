import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { DEFAULT_CALLBACK_URLS } from '../infra/mcp-auth';

type Resource = { Type: string; Properties: Record<string, any> };

export interface ExpectedEndpoint {
  /** The parts of the `Fn::Join` the template writes for the endpoint's URL; the last is its path, a string. */
  resourceUrlParts: [...unknown[], string];
  /** The PRM URL as the template writes it. */
  resourceMetadataUrl: unknown;
  /** Whether the server gets `MCP_RESOURCE_METADATA_URL` (only where the PRM is not at RFC 9728's path-inserted URL: Lambda). */
  metadataUrlInEnvironment: boolean;
}

const COGNITO_TYPES = ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolDomain', 'AWS::Cognito::UserPoolResourceServer', 'AWS::Cognito::UserPoolClient', 'AWS::Cognito::ManagedLoginBranding'];
const AUTH_OUTPUTS = ['AuthIssuer', 'AuthClientId', 'AuthScope', 'AuthLoginUrl', 'ProtectedResourceMetadataUrl'];
const OTHER_ISSUER = {
  authIssuer: 'https://example.eu.auth0.com/',
  authAudience: 'https://mcp.example.com/mcp',
  authScopes: 'mcp:tools mcp:read',
  authJwksUri: 'https://example.eu.auth0.com/.well-known/jwks.json',
};

/**
 * The authentication every sample's stack gets (issue #15): by default a Cognito user pool with a
 * managed-login domain, a resource server named by the endpoint's URL, one public PKCE client and
 * the server's auth environment; `-c authIssuer=…` another authorization server; `-c auth=none`
 * nothing. `addStack` adds the sample's stack; `endpoint` says where its MCP endpoint is.
 */
export function describeMcpAuth(stackName: string, addStack: (app: App, id: string) => Stack, endpoint: ExpectedEndpoint): void {
  // Bundling is the bundle test's business (the Lambda stack); the template is the same without it.
  const synth = (context: Record<string, string> = {}) => Template.fromStack(addStack(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }), stackName));
  const one = (t: Template, type: string): Resource => {
    const found = Object.values(t.findResources(type)) as Resource[];
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  /** The MCP server's environment: the task's container, or the function that has the Host allow-list. */
  const serverEnv = (t: Template): Record<string, unknown> => {
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')) as Resource[];
    if (task) return Object.fromEntries(task.Properties.ContainerDefinitions[0].Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]));
    const functions = (Object.values(t.findResources('AWS::Lambda::Function')) as Resource[]).filter((f) => f.Properties.Environment?.Variables?.MCP_ALLOWED_HOSTS);
    expect(functions).toHaveLength(1);
    return functions[0]!.Properties.Environment.Variables;
  };
  const authEnv = (t: Template) => Object.fromEntries(Object.entries(serverEnv(t)).filter(([name]) => /^MCP_(AUTH|RESOURCE)/.test(name)));
  const outputs = (t: Template) => Object.keys(t.findOutputs('*')).filter((name) => name !== 'McpUrl');
  const ref = (pattern: RegExp) => ({ Ref: expect.stringMatching(pattern) });
  const join = (parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
  const resourceUrl = join(endpoint.resourceUrlParts);
  const requiredScope = join([...endpoint.resourceUrlParts.slice(0, -1), `${endpoint.resourceUrlParts.at(-1)}/mcp`]);
  const issuer = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/AuthUsers/), 'ProviderURL'] }]] };

  describe(`${stackName}'s authentication: a Cognito user pool of its own by default`, () => {
    const t = synth();

    it('makes one Essentials user pool (resource binding needs it) where only an administrator creates users, with a strong password policy and optional TOTP', () => {
      expect(one(t, 'AWS::Cognito::UserPool').Properties).toMatchObject({
        UserPoolTier: 'ESSENTIALS',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UsernameAttributes: ['email'],
        Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      });
      t.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
    });

    it('gives it a managed-login (v2) domain named after the stack and unique per deployment, with Cognito\'s own style for the client', () => {
      const domain = one(t, 'AWS::Cognito::UserPoolDomain').Properties;
      expect(domain.ManagedLoginVersion).toBe(2);
      const [prefix, suffix] = domain.Domain['Fn::Join'][1];
      expect(prefix).toBe(`${stackName.toLowerCase()}-`);
      // The first 8 hex digits of the stack's UUID: no two deployments collide.
      expect(suffix).toEqual({ 'Fn::Select': [0, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] });
      expect(one(t, 'AWS::Cognito::ManagedLoginBranding').Properties).toEqual({
        UserPoolId: ref(/AuthUsers[0-9A-F]{8}$/),
        ClientId: ref(/AuthUsersMcpClients/),
        UseCognitoProvidedValues: true,
      });
    });

    it('names the resource server by the MCP endpoint\'s URL, with one scope', () => {
      expect(one(t, 'AWS::Cognito::UserPoolResourceServer').Properties).toMatchObject({
        Identifier: resourceUrl,
        Scopes: [{ ScopeName: 'mcp', ScopeDescription: expect.any(String) }],
      });
    });

    it('has one public app client: no secret, the authorization code grant only, the resource server\'s scope, the default callback URLs', () => {
      const client = one(t, 'AWS::Cognito::UserPoolClient').Properties;
      expect(client).toMatchObject({
        GenerateSecret: false,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: [{ 'Fn::Join': ['', [ref(/AuthUsersEndpoint/), '/mcp']] }, 'openid'],
        SupportedIdentityProviders: ['COGNITO'],
        PreventUserExistenceErrors: 'ENABLED',
      });
      expect(client.CallbackURLs).toEqual([...DEFAULT_CALLBACK_URLS]);
      expect(client.CallbackURLs).toEqual(
        expect.arrayContaining([
          'http://localhost:6274/oauth/callback',
          'http://localhost:6274/oauth/callback/debug',
          'http://localhost:3334/oauth/callback',
          'https://claude.ai/api/mcp/auth_callback',
          'https://chatgpt.com/connector_platform_oauth_redirect',
        ]),
      );
      expect(client.ExplicitAuthFlows).not.toEqual(expect.arrayContaining([expect.stringMatching(/PASSWORD|CUSTOM/)]));
    });

    it('gives the server the pool\'s issuer and JWKS, the endpoint\'s URL as resource and audience, and the scope it requires', () => {
      expect(authEnv(t)).toEqual({
        MCP_AUTH: 'oauth',
        MCP_AUTH_ISSUER: issuer,
        MCP_AUTH_JWKS_URI: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/AuthUsers/), 'ProviderURL'] }, '/.well-known/jwks.json']] },
        MCP_RESOURCE_URL: resourceUrl,
        MCP_AUTH_AUDIENCE: resourceUrl,
        MCP_AUTH_SCOPES: requiredScope,
        ...(endpoint.metadataUrlInEnvironment && { MCP_RESOURCE_METADATA_URL: endpoint.resourceMetadataUrl }),
      });
    });

    it('outputs the issuer, the client id, the scope, the managed-login URL and the PRM URL', () => {
      expect(outputs(t)).toEqual(AUTH_OUTPUTS);
      const value = (name: string) => t.findOutputs(name)[name]!.Value;
      expect(value('AuthIssuer')).toEqual(issuer);
      expect(value('AuthScope')).toEqual(requiredScope);
      expect(value('AuthClientId')).toEqual(ref(/AuthUsersMcpClients/));
      expect(value('ProtectedResourceMetadataUrl')).toEqual(endpoint.resourceMetadataUrl);
      expect(JSON.stringify(value('AuthLoginUrl'))).toMatch(/"https:\/\/",\{"Ref":"(Mcp)?AuthUsersLogin.*\.auth\.".*amazoncognito\.com/);
    });
  });

  describe(`${stackName}'s authentication with context`, () => {
    it('keeps AWS, Amazon and Cognito, which Cognito refuses in a prefix, out of the managed-login domain a stack name gives', () => {
      const t = Template.fromStack(addStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'AmazonMcpOnAWS-Cognito-Trial'));
      expect(one(t, 'AWS::Cognito::UserPoolDomain').Properties.Domain['Fn::Join'][1][0]).toBe('mcpon-trial-');
    });

    it('takes the callback URLs from -c authCallbackUrls, comma-separated', () => {
      const t = synth({ authCallbackUrls: 'https://app.example.com/callback, http://localhost:9999/cb' });
      expect(one(t, 'AWS::Cognito::UserPoolClient').Properties.CallbackURLs).toEqual(['https://app.example.com/callback', 'http://localhost:9999/cb']);
    });

    it('uses another authorization server with -c authIssuer: no pool, its issuer, audience, scopes and JWKS in the environment', () => {
      const t = synth(OTHER_ISSUER);
      for (const type of COGNITO_TYPES) t.resourceCountIs(type, 0);
      expect(authEnv(t)).toEqual({
        MCP_AUTH: 'oauth',
        MCP_AUTH_ISSUER: OTHER_ISSUER.authIssuer,
        MCP_AUTH_AUDIENCE: OTHER_ISSUER.authAudience,
        MCP_AUTH_SCOPES: OTHER_ISSUER.authScopes,
        MCP_AUTH_JWKS_URI: OTHER_ISSUER.authJwksUri,
        MCP_RESOURCE_URL: resourceUrl,
        ...(endpoint.metadataUrlInEnvironment && { MCP_RESOURCE_METADATA_URL: endpoint.resourceMetadataUrl }),
      });
      expect(outputs(t)).toEqual(['AuthIssuer', 'ProtectedResourceMetadataUrl']);
    });

    it('needs only the issuer: audience (the endpoint\'s URL), scopes (none) and JWKS (discovered) have the server\'s defaults', () => {
      const t = synth({ authIssuer: OTHER_ISSUER.authIssuer });
      expect(Object.keys(authEnv(t)).sort()).toEqual(['MCP_AUTH', 'MCP_AUTH_ISSUER', 'MCP_RESOURCE_URL', ...(endpoint.metadataUrlInEnvironment ? ['MCP_RESOURCE_METADATA_URL'] : [])].sort());
    });

    it('deploys without authentication with -c auth=none: no pool, no auth outputs, and MCP_AUTH=none, which a production server needs to start', () => {
      const t = synth({ auth: 'none' });
      for (const type of COGNITO_TYPES) t.resourceCountIs(type, 0);
      expect(authEnv(t)).toEqual({ MCP_AUTH: 'none' });
      expect(outputs(t)).toEqual([]);
    });

    it.each([
      [{ auth: 'off' }, /auth must be "none".*or left out/],
      [{ auth: 'none', authIssuer: OTHER_ISSUER.authIssuer }, /auth=none deploys without authentication, so authIssuer would do nothing/],
      [{ auth: 'none', authCallbackUrls: 'https://app.example.com/cb' }, /auth=none .*authCallbackUrls/],
      [{ authAudience: 'https://mcp.example.com/mcp' }, /authAudience describes another authorization server: set authIssuer too/],
      [{ authScopes: 'a b', authJwksUri: 'https://x.example.com/jwks' }, /authScopes, authJwksUri describe another authorization server/],
      [{ authIssuer: 'http://issuer.example.com' }, /authIssuer must be an https:\/\/ URL/],
      [{ authIssuer: 'issuer.example.com' }, /authIssuer must be an https:\/\/ URL/],
      [{ authIssuer: OTHER_ISSUER.authIssuer, authJwksUri: 'http://issuer.example.com/jwks' }, /authJwksUri must be an https:\/\/ URL/],
      [{ authIssuer: OTHER_ISSUER.authIssuer, authCallbackUrls: 'https://app.example.com/cb' }, /authCallbackUrls configure the stack's own Cognito app client/],
      [{ authCallbackUrls: 'http://app.example.com/cb' }, /plain http; Cognito accepts http only for localhost/],
      [{ authCallbackUrls: 'https://app.example.com/cb#x' }, /has a fragment/],
      [{ authCallbackUrls: 'not a url' }, /"not a url" is not a URL/],
      [{ authCallbackUrls: ' , ' }, /authCallbackUrls must name at least one URL/],
    ])('refuses %j at synth, saying what to do', (context, message) => {
      expect(() => synth(context as Record<string, string>)).toThrow(message);
    });
  });
}
