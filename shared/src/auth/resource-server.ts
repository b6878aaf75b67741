/**
 * The OAuth 2.1 resource server every sample runs, framework-neutral (Express in `./express`, hono
 * in the Lambda app). The SDK does the protocol: `verifyBearerToken` (the header, the audience via
 * `expectedResource`, the scopes, the expiry), `bearerAuthChallengeResponse` (the status and the
 * `WWW-Authenticate` challenge), `oauthMetadataResponse` (the RFC 9728 document, with CORS).
 * Our own lines only: the refusal of a token in the query string, a JSON-RPC body in place of the
 * SDK's OAuth JSON, 503 when the issuer's keys are out of reach, and where the endpoint is.
 */
import type { AuthInfo, OAuthMetadata, VerifyBearerTokenOptions } from '@modelcontextprotocol/server';
import { bearerAuthChallengeResponse, getOAuthProtectedResourceMetadataUrl, oauthMetadataResponse, verifyBearerToken } from '@modelcontextprotocol/server';

import type { Refusal } from '../http/input-checks';
import { JsonRpcCode } from '../http/json-rpc-error';
import type { AuthConfig } from './config';
import { IssuerKeys, IssuerUnavailableError, JwtTokenVerifier } from './verifier';

/** Where the app serves the PRM, as the app sees the path (behind API Gateway, without the stage): RFC 9728's form for `/mcp`, and the root form. */
export const PROTECTED_RESOURCE_METADATA_PATHS = ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'];

/** Where a request reached this server: its `Host`, and the API Gateway stage in front, if any. */
export interface Arrival {
  host?: string;
  /** The stage's path prefix (`/prod`), which the function does not see in its path. */
  stagePrefix?: string;
}

/** This deployment as a protected resource: its `/mcp` URL, the PRM URL its 401 names, and the SDK options that check a token for it. */
interface ProtectedResource {
  resource: URL;
  bearer: VerifyBearerTokenOptions & { resourceMetadataUrl: string };
}

export type Authentication = { ok: true; auth: AuthInfo } | { ok: false; refusal: Refusal };

/** How long a client waits before retrying when the issuer's keys are out of reach. */
const ISSUER_RETRY_AFTER_SECONDS = 5;

export class ResourceServer {
  private readonly keys: IssuerKeys;
  /** Built once when `MCP_RESOURCE_URL` is set (always in production); otherwise per request, from its Host. */
  private readonly configured?: ProtectedResource;

  constructor(private readonly config: AuthConfig) {
    this.keys = new IssuerKeys(config.issuer, config.jwksUri);
    if (config.resourceUrl) this.configured = this.protect(config.resourceUrl, config.resourceMetadataUrl ?? getOAuthProtectedResourceMetadataUrl(config.resourceUrl));
  }

  /**
   * Checks the request's bearer token for this resource. `search` is the URL's query string: a token
   * there is refused (the MCP authorization spec; RFC 6750 §2.3 tokens end up in logs and history).
   */
  async authenticate(authorization: string | undefined, search: string, arrival: Arrival): Promise<Authentication> {
    if (new URLSearchParams(search).has('access_token')) {
      return refuse({ status: 400, code: JsonRpcCode.InvalidRequest, message: 'Bad Request: an access token in the query string is refused; send it in the Authorization header (invalid_request)' });
    }
    const { bearer } = this.locate(arrival);
    try {
      return { ok: true, auth: await verifyBearerToken(authorization, bearer) };
    } catch (error) {
      // The SDK would answer 500; the caller's token may be fine, so say "retry" instead.
      if (error instanceof IssuerUnavailableError) {
        return refuse({ status: 503, code: JsonRpcCode.ServerError, message: 'Service unavailable: the authorization server\'s keys are out of reach, retry', headers: { 'retry-after': String(ISSUER_RETRY_AFTER_SECONDS) } });
      }
      return refuse(await challenge(error, bearer));
    }
  }

  /** The PRM document (GET, HEAD; 204 to a CORS preflight; 405 otherwise), for a request to one of the PRM paths. */
  metadataResponse(method: string, headers: Headers, arrival: Arrival): Response {
    const { resource } = this.locate(arrival);
    // The SDK routes by the resource's own path-inserted URL; the app routes the paths itself (the
    // root form, the stage), so hand the SDK that URL. `Request` refuses TRACE and CONNECT: any verb
    // but GET, HEAD and OPTIONS gets the SDK's 405 alike.
    const request = new Request(getOAuthProtectedResourceMetadataUrl(resource), { method: ['GET', 'HEAD', 'OPTIONS'].includes(method) ? method : 'POST', headers });
    const options = {
      // The PRM reads only `issuer` from the authorization server's metadata; this server does not serve the rest.
      oauthMetadata: { issuer: this.config.issuer } as OAuthMetadata,
      resourceServerUrl: resource,
      scopesSupported: this.config.scopes.length > 0 ? this.config.scopes : undefined,
      resourceName: 'mcp-on-aws',
    };
    return oauthMetadataResponse(request, options)!;
  }

  private locate({ host = 'localhost', stagePrefix = '' }: Arrival): ProtectedResource {
    if (this.configured) return this.configured;
    // Local runs only (production requires MCP_RESOURCE_URL), after the Host allow-list: http, as every local server here is.
    const base = `http://${host}${stagePrefix}`;
    return this.protect(new URL(`${base}/mcp`), this.config.resourceMetadataUrl ?? `${base}${PROTECTED_RESOURCE_METADATA_PATHS[0]}`);
  }

  private protect(resource: URL, resourceMetadataUrl: string): ProtectedResource {
    const audience = this.config.audience ?? resource.href;
    return {
      resource,
      bearer: {
        verifier: new JwtTokenVerifier(this.keys, audience),
        requiredScopes: this.config.scopes,
        resourceMetadataUrl,
        // The SDK compares URLs; a non-URL audience (an API identifier) is checked by the verifier alone.
        expectedResource: URL.canParse(audience) ? new URL(audience) : undefined,
      },
    };
  }
}

/** The SDK's answer with its status and `WWW-Authenticate` kept exactly; its OAuth JSON body said again as a JSON-RPC error, as every refusal here. */
async function challenge(error: unknown, options: VerifyBearerTokenOptions): Promise<Refusal> {
  const response = bearerAuthChallengeResponse(error, options);
  const { error: code, error_description: description } = (await response.json()) as { error: string; error_description?: string };
  const wwwAuthenticate = response.headers.get('www-authenticate');
  const reason = response.status === 403 ? 'Forbidden' : response.status === 401 ? 'Unauthorized' : 'Error';
  return {
    status: response.status,
    code: response.status >= 500 ? JsonRpcCode.InternalError : JsonRpcCode.Unauthorized,
    message: `${reason}: ${description ?? code} (${code})`,
    headers: wwwAuthenticate ? { 'www-authenticate': wwwAuthenticate } : {},
  };
}

function refuse(refusal: Refusal): Authentication {
  return { ok: false, refusal };
}
