/**
 * An `OAuthClientProvider` for tests: the v2 SDK client's own OAuth code does discovery, dynamic
 * registration, PKCE and the token exchange, and only the user's browser is replaced. Its
 * `redirectToAuthorization` follows the authorization URL over HTTP, keeping cookies as a browser
 * does, through the authorization server's sign-in and consent pages (automatic on
 * `local/auth-server.ts`) to the redirect that carries the code. Everything stays in memory.
 *
 * The SDK's documented pattern, then, with no browser and no callback server:
 *
 *   const oauth = new HeadlessOAuthClient();
 *   const transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
 *   await client.connect(transport).catch(...);          // 401: UnauthorizedError, code in hand
 *   await transport.finishAuth(oauth.takeCallback());    // the token exchange
 *   await client.connect(new StreamableHTTPClientTransport(url, { authProvider: oauth }));
 *
 * or, without a transport, `await oauth.authorize(url)`, after which any transport given this
 * provider sends its token.
 */
import {
  auth,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';

/** Never listened on: the code is read from the `Location` that points at it. */
const CALLBACK = 'http://127.0.0.1/oauth/callback';

/** More hops than the authorize, sign-in, consent and resume redirects of any sane server. */
const MAX_REDIRECTS = 10;

export class HeadlessOAuthClient implements OAuthClientProvider {
  private client?: StoredOAuthClientInformation;
  private saved?: StoredOAuthTokens;
  private verifier?: string;
  private discovery?: OAuthDiscoveryState;
  private callback?: URLSearchParams;

  get redirectUrl(): string {
    return CALLBACK;
  }

  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'mcp-on-aws headless test client', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' };
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.client;
  }

  saveClientInformation(client: StoredOAuthClientInformation): void {
    this.client = client;
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.saved = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no PKCE code verifier saved: the authorization step has not run');
    return this.verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.client = undefined;
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }

  /** Plays the browser: the query of the redirect to our callback (`code`, `state`, `iss`) is kept for `takeCallback()`. */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.callback = await followAuthorization(authorizationUrl, CALLBACK);
  }

  /** The last authorization response, for `transport.finishAuth(...)`; each one is used once. */
  takeCallback(): URLSearchParams {
    const callback = this.callback;
    if (!callback) throw new Error('no authorization response: redirectToAuthorization has not run');
    this.callback = undefined;
    return callback;
  }

  /** Runs the whole flow for an MCP server URL with the SDK's `auth()`: discovery, registration, the code, the tokens. */
  async authorize(serverUrl: string | URL): Promise<StoredOAuthTokens> {
    if ((await auth(this, { serverUrl })) === 'REDIRECT') {
      const callback = this.takeCallback();
      await auth(this, { serverUrl, authorizationCode: callback.get('code')!, iss: callback.get('iss') ?? undefined });
    }
    return this.saved!;
  }
}

/** The authorization server turned the request down, on its redirect to the client (RFC 6749 §4.1.2.1). */
export class AuthorizationRefusedError extends Error {
  override name = 'AuthorizationRefusedError';
  constructor(
    readonly error: string,
    readonly description: string | null,
  ) {
    super(`authorization refused: ${error}${description ? ` (${description})` : ''}`);
  }
}

/**
 * Follows an authorization URL as a browser would, until the server redirects to `redirectUrl`,
 * and returns that redirect's query. The AS's own error pages (no redirect) and an `error` on the
 * redirect both throw.
 */
export async function followAuthorization(authorizationUrl: URL, redirectUrl: string): Promise<URLSearchParams> {
  const cookies = new Map<string, string>();
  let next = authorizationUrl;
  for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(next, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const set of response.headers.getSetCookie()) {
      const [pair = ''] = set.split(';', 1);
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`expected a redirect from ${next.origin}${next.pathname}, got ${response.status}: ${(await response.text()).slice(0, 300)}`);
    }
    await response.body?.cancel();
    next = new URL(location, next);
    if (`${next.origin}${next.pathname}` === redirectUrl) {
      const error = next.searchParams.get('error');
      if (error) throw new AuthorizationRefusedError(error, next.searchParams.get('error_description'));
      return next.searchParams;
    }
  }
  throw new Error(`no redirect to ${redirectUrl} within ${MAX_REDIRECTS} hops`);
}
