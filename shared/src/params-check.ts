/**
 * A spec request with params the spec does not allow is the client's mistake: `-32602` (Invalid
 * params). The SDK checks most requests' params only inside its handler wrapper, so a failed check
 * comes back as `-32603` (Internal error) carrying a zod dump (`resources/read` without a `uri`,
 * `tools/list` with a numeric cursor, `logging/setLevel "bogus"`). This server checks them at its
 * transport against the SDK's own spec schemas, before the SDK dispatches them, and answers with
 * the first problem in one short line; a valid request goes on untouched. A method the server does
 * not offer is left to the SDK, which answers `-32601`. Only the public `Transport` surface is used
 * (`onmessage`, `send`).
 */
import { McpServer, ProtocolErrorCode, specTypeSchemas, type JSONRPCMessage, type LoggingLevel, type ServerCapabilities, type SpecTypeName, type Transport } from '@modelcontextprotocol/server';

import { observeRequests } from './observability/mcp-observer';
import type { Era } from './server';

const LOGGING_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const satisfies readonly LoggingLevel[];

/** The requests checked here: each with its spec type and the capability that offers it (`tools/call` and `initialize` the SDK already answers `-32602`). */
const CHECKED: Record<string, { type: SpecTypeName; offered: (c: ServerCapabilities) => unknown }> = {
  'logging/setLevel': { type: 'SetLevelRequest', offered: (c) => c.logging },
  'resources/list': { type: 'ListResourcesRequest', offered: (c) => c.resources },
  'resources/templates/list': { type: 'ListResourceTemplatesRequest', offered: (c) => c.resources },
  'resources/read': { type: 'ReadResourceRequest', offered: (c) => c.resources },
  'resources/subscribe': { type: 'SubscribeRequest', offered: (c) => c.resources?.subscribe },
  'resources/unsubscribe': { type: 'UnsubscribeRequest', offered: (c) => c.resources?.subscribe },
  'prompts/list': { type: 'ListPromptsRequest', offered: (c) => c.prompts },
  'prompts/get': { type: 'GetPromptRequest', offered: (c) => c.prompts },
  'tools/list': { type: 'ListToolsRequest', offered: (c) => c.tools },
  'completion/complete': { type: 'CompleteRequest', offered: (c) => c.completions },
};

/** 2026-07-28 dropped these (subscriptions/listen replaces subscribe): a 2026-era server leaves them to the SDK's `-32601`. */
const LEGACY_ONLY = new Set(['logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

/** Client-supplied keys can appear in a path: the message stays one short line. */
const MAX_PROBLEM_CHARS = 160;

/** An `McpServer` that answers a spec request's invalid params with `-32602`, in either era. */
export class ParamsCheckingMcpServer extends McpServer {
  constructor(
    info: ConstructorParameters<typeof McpServer>[0],
    options: ConstructorParameters<typeof McpServer>[1],
    private readonly era: Era,
  ) {
    super(info, options);
  }

  override async connect(transport: Transport): Promise<void> {
    await super.connect(transport);
    const dispatch = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const problem = this.paramsProblem(message);
      if (problem === undefined) return dispatch?.(message, extra);
      const error = { code: ProtocolErrorCode.InvalidParams, message: `Invalid params: ${problem}` };
      const id = (message as { id: string | number }).id;
      transport.send({ jsonrpc: '2.0', id, error }, { relatedRequestId: id }).catch((e: Error) => transport.onerror?.(e));
    };
    // Outside the check, so its -32602 answers are observed too.
    observeRequests(this, transport);
  }

  private paramsProblem(message: JSONRPCMessage): string | undefined {
    if (!('method' in message) || !('id' in message)) return undefined;
    const checked = CHECKED[message.method];
    if (!checked || (this.era === 'modern' && LEGACY_ONLY.has(message.method)) || !checked.offered(this.server.getCapabilities())) return undefined;
    const { issues } = specTypeSchemas[checked.type]['~standard'].validate({ method: message.method, params: message.params });
    if (!issues?.length) return undefined;
    if (message.method === 'logging/setLevel') return `logging/setLevel takes a level of ${LOGGING_LEVELS.join(', ')}`;
    const [issue] = issues;
    const path = (issue!.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
    return `${message.method}: ${path ? `${path}: ` : ''}${issue!.message}`.slice(0, MAX_PROBLEM_CHARS);
  }
}
