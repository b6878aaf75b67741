import { Aws, CfnOutput, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/**
 * Who may call the MCP endpoint. Each is also a CDK context value of the same name
 * (`-c auth=none`, `-c authIssuer=…`, `-c authCallbackUrls=a,b`). With none of them set, the stack
 * makes its own Cognito user pool.
 */
export interface AuthProps {
  /** `none`: no authentication at all. For trials only: anyone who finds the URL may call every tool. */
  auth?: 'none';
  /** Another authorization server (Auth0, Okta, Entra ID, Keycloak…) instead of a pool: its issuer URL, exactly as in its tokens' `iss`. */
  authIssuer?: string;
  /** With `authIssuer`: the value its tokens carry in `aud`; default the endpoint's URL (RFC 8707 resource indicators). */
  authAudience?: string;
  /** With `authIssuer`: the scopes every token must carry, space-separated; default none. */
  authScopes?: string;
  /** With `authIssuer`: its JWKS URL; default the `jwks_uri` of its discovery document. */
  authJwksUri?: string;
  /** With the Cognito pool: the app client's callback URLs, instead of `DEFAULT_CALLBACK_URLS`. */
  authCallbackUrls?: string[];
}

/** Where the MCP clients this README covers send the browser back after sign-in (each one's own documentation). */
export const DEFAULT_CALLBACK_URLS = [
  'http://localhost:6274/oauth/callback', // MCP Inspector: quick OAuth flow
  'http://localhost:6274/oauth/callback/debug', // MCP Inspector: guided OAuth flow
  'http://localhost:3334/oauth/callback', // mcp-remote on its default port 3334
  'http://localhost:3335/callback', // Claude Code with --callback-port 3335
  'https://claude.ai/api/mcp/auth_callback', // Claude (web, desktop, mobile)
  'https://claude.com/api/mcp/auth_callback', // Claude's announced future callback
  'https://chatgpt.com/connector_platform_oauth_redirect', // ChatGPT connectors
] as const;

/** The one scope of the resource server; in tokens it reads `<MCP endpoint URL>/mcp`. */
export const MCP_SCOPE = 'mcp';

/** Each auth prop, else the CDK context value of the same name; `authCallbackUrls` is comma-separated there. */
export function authFromContext(scope: Construct, props: AuthProps): AuthProps {
  const context = (key: keyof AuthProps): string | undefined => {
    const value: unknown = scope.node.tryGetContext(key);
    return value === undefined || value === '' ? undefined : String(value);
  };
  return {
    auth: props.auth ?? (context('auth') as AuthProps['auth']),
    authIssuer: props.authIssuer ?? context('authIssuer'),
    authAudience: props.authAudience ?? context('authAudience'),
    authScopes: props.authScopes ?? context('authScopes'),
    authJwksUri: props.authJwksUri ?? context('authJwksUri'),
    authCallbackUrls: props.authCallbackUrls ?? context('authCallbackUrls')?.split(',').map((url) => url.trim()).filter(Boolean),
  };
}

export interface McpAuthProps extends AuthProps {
  /** `https://<host>` as clients reach the endpoint (a token is fine): the distribution's or API's name. */
  origin: string;
  /**
   * The API Gateway stage the endpoint sits under, on Lambda. API Gateway serves nothing above a
   * stage, so the PRM goes under it too (`/<stage>/.well-known/oauth-protected-resource/mcp`)
   * instead of RFC 9728's path insertion (`/.well-known/oauth-protected-resource/<stage>/mcp`).
   */
  stage?: string;
}

/**
 * The MCP endpoint's authentication, as its server's environment (`MCP_AUTH`, `MCP_AUTH_ISSUER`, …,
 * read by shared/src/config.ts) and, by default, the authorization server itself: a Cognito user
 * pool on the Essentials plan with a managed-login domain, a resource server named by the
 * endpoint's URL with one scope, and one public app client (authorization code, no secret) for the
 * MCP clients. Tokens are bound to this endpoint twice: `aud` is its URL (Cognito's resource
 * binding, RFC 8707, when the client sends `resource`), and `scope` carries the resource server's
 * scope, which only this pool can grant.
 */
export class McpAuth extends Construct {
  /** The canonical URL of the MCP endpoint: PRM `resource`, the tokens' audience. */
  readonly resourceUrl: string;
  /** Where the Protected Resource Metadata is served. */
  readonly resourceMetadataUrl: string;
  /** What the MCP server needs in its environment. */
  readonly environment: Record<string, string>;
  readonly userPool?: cognito.UserPool;
  readonly client?: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: McpAuthProps) {
    super(scope, id);
    checkAuthProps(props);
    const base = props.stage ? `${props.origin}/${props.stage}` : props.origin;
    this.resourceUrl = `${base}/mcp`;
    this.resourceMetadataUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
    if (props.auth === 'none') {
      this.environment = { MCP_AUTH: 'none' };
      return;
    }

    const server = {
      MCP_AUTH: 'oauth',
      MCP_RESOURCE_URL: this.resourceUrl,
      // Only where it differs from the default, RFC 9728 path insertion of MCP_RESOURCE_URL.
      ...(props.stage && { MCP_RESOURCE_METADATA_URL: this.resourceMetadataUrl }),
    };
    if (props.authIssuer) {
      this.environment = {
        ...server,
        MCP_AUTH_ISSUER: props.authIssuer,
        ...(props.authJwksUri && { MCP_AUTH_JWKS_URI: props.authJwksUri }),
        ...(props.authAudience && { MCP_AUTH_AUDIENCE: props.authAudience }),
        ...(props.authScopes && { MCP_AUTH_SCOPES: props.authScopes }),
      };
      this.output('Issuer', 'AuthIssuer', props.authIssuer, 'The authorization server whose tokens the MCP endpoint accepts');
      this.output('Metadata', 'ProtectedResourceMetadataUrl', this.resourceMetadataUrl, 'The Protected Resource Metadata (RFC 9728) MCP clients discover');
      return;
    }

    this.userPool = new cognito.UserPool(this, 'Users', {
      // Resource binding (`resource` → `aud`) needs managed login on Essentials or Plus.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      // An administrator creates each user (README, "Create a user"): nobody signs up on their own.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // A sample leaves nothing behind on `cdk destroy`; its users go with it (README).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const domain = this.userPool.addDomain('Login', {
      cognitoDomain: { domainPrefix: this.domainPrefix() },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    const mcpScope = new cognito.ResourceServerScope({ scopeName: MCP_SCOPE, scopeDescription: 'Call the MCP endpoint' });
    const resourceServer = this.userPool.addResourceServer('Endpoint', {
      identifier: this.resourceUrl,
      userPoolResourceServerName: 'MCP endpoint',
      scopes: [mcpScope],
    });
    this.client = this.userPool.addClient('McpClients', {
      userPoolClientName: 'MCP clients',
      generateSecret: false, // a public client: MCP clients run on users' machines, or hold no secret of ours
      // Managed login signs users in; of the API's own flows only SRP (the password never leaves the browser) and refresh.
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        // openid too: OIDC-minded clients ask for it, and an unknown scope fails the whole sign-in.
        scopes: [cognito.OAuthScope.resourceServer(resourceServer, mcpScope), cognito.OAuthScope.OPENID],
        callbackUrls: props.authCallbackUrls ?? [...DEFAULT_CALLBACK_URLS],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
    });
    // Managed login (v2) shows a page only for a client with a branding style: Cognito's own.
    new cognito.CfnManagedLoginBranding(this, 'LoginStyle', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    // The issuer Cognito writes in `iss`: https://cognito-idp.<region>.amazonaws.com/<pool id>.
    const issuer = `https://${this.userPool.userPoolProviderUrl}`;
    const requiredScope = `${this.resourceUrl}/${MCP_SCOPE}`;
    this.environment = {
      ...server,
      MCP_AUTH_ISSUER: issuer,
      MCP_AUTH_JWKS_URI: `${issuer}/.well-known/jwks.json`, // so no cold start fetches the discovery document first
      MCP_AUTH_AUDIENCE: this.resourceUrl,
      MCP_AUTH_SCOPES: requiredScope,
    };
    this.output('Issuer', 'AuthIssuer', issuer, 'The Cognito user pool that signs the tokens (OAuth issuer)');
    this.output('ClientId', 'AuthClientId', this.client.userPoolClientId, 'The public app client id to give MCP clients (no secret)');
    this.output('Scope', 'AuthScope', requiredScope, 'The scope every token must carry');
    this.output('LoginUrl', 'AuthLoginUrl', domain.baseUrl(), 'The managed-login domain: authorize and token endpoints, the sign-in page');
    this.output('Metadata', 'ProtectedResourceMetadataUrl', this.resourceMetadataUrl, 'The Protected Resource Metadata (RFC 9728) MCP clients discover');
    this.acknowledgeNagFindings();
  }

  /**
   * Managed-login prefixes are global per Region: the stack's name, which may not name AWS, Amazon
   * or Cognito there, then the first 8 hex digits of the stack's own id, unique per deployment.
   */
  private domainPrefix(): string {
    const stackName = Stack.of(this).stackName;
    const name = (Token.isUnresolved(stackName) ? '' : stackName)
      .toLowerCase()
      .replace(/aws|amazon|cognito/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '');
    const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    return `${name || 'mcp'}-${Fn.select(0, Fn.split('-', stackUuid))}`;
  }

  /** A stack output named `logicalId`, not prefixed with this construct's path. */
  private output(id: string, logicalId: string, value: string, description: string): void {
    new CfnOutput(this, id, { value, description }).overrideLogicalId(logicalId);
  }

  /** Each finding the design accepts, with its reason; anything new still fails synth. */
  private acknowledgeNagFindings(): void {
    Validations.of(this.userPool!).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason: 'MFA is optional (TOTP, set up on the sign-in page): users are created by an administrator, and required MFA would make every trial enrol an authenticator first. README says how to require it.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'Essentials, not Plus: resource binding needs Essentials; Plus threat protection costs USD 0.02 per MAU with no free tier (Essentials: 10,000 MAU free), too much for a sample. README says how to switch.',
      },
    );
  }
}

/** Bad combinations of auth settings, refused at synth with what to do instead. */
function checkAuthProps(props: AuthProps): void {
  const given = (keys: Array<keyof AuthProps>) => keys.filter((key) => props[key] !== undefined);
  if (props.auth !== undefined && props.auth !== 'none') {
    throw new Error(`auth must be "none" (no authentication, for trials only) or left out (a Cognito user pool, or -c authIssuer=…), got "${props.auth}"`);
  }
  if (props.auth === 'none') {
    const extra = given(['authIssuer', 'authAudience', 'authScopes', 'authJwksUri', 'authCallbackUrls']);
    if (extra.length) throw new Error(`auth=none deploys without authentication, so ${extra.join(', ')} would do nothing: leave ${extra.length > 1 ? 'them' : 'it'} out, or leave out auth=none`);
    return;
  }
  if (!props.authIssuer) {
    const orphans = given(['authAudience', 'authScopes', 'authJwksUri']);
    if (orphans.length) throw new Error(`${orphans.join(', ')} describe${orphans.length > 1 ? '' : 's'} another authorization server: set authIssuer too (with the stack's own Cognito pool they are derived)`);
    checkCallbackUrls(props.authCallbackUrls);
    return;
  }
  if (props.authCallbackUrls) throw new Error("authCallbackUrls configure the stack's own Cognito app client: with authIssuer, register callback URLs at that authorization server instead");
  checkHttpsUrl('authIssuer', props.authIssuer);
  if (props.authJwksUri) checkHttpsUrl('authJwksUri', props.authJwksUri);
  if (props.authAudience !== undefined && !props.authAudience.trim()) throw new Error('authAudience must not be empty');
}

function checkHttpsUrl(name: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an https:// URL, got "${value}"`);
  }
  if (url.protocol !== 'https:') throw new Error(`${name} must be an https:// URL (tokens and keys travel over the internet), got "${value}"`);
}

/** Cognito's own rules for callback URLs: https, http only on localhost, or an app's custom scheme; at most 100. */
function checkCallbackUrls(urls: string[] | undefined): void {
  if (urls === undefined) return;
  if (urls.length === 0) throw new Error('authCallbackUrls must name at least one URL (comma-separated), or be left out for the defaults');
  if (urls.length > 100) throw new Error(`authCallbackUrls: Cognito allows at most 100 callback URLs, got ${urls.length}`);
  for (const value of urls) {
    if (Token.isUnresolved(value)) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`authCallbackUrls: "${value}" is not a URL`);
    }
    if (url.hash) throw new Error(`authCallbackUrls: "${value}" has a fragment, which OAuth forbids in a redirect URI`);
    if (url.protocol === 'http:' && url.hostname !== 'localhost') {
      throw new Error(`authCallbackUrls: "${value}" is plain http; Cognito accepts http only for localhost (use https, or http://localhost:<port>/…)`);
    }
  }
}
