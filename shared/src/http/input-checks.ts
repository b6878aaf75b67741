import { JsonRpcCode } from './json-rpc-error';

/**
 * Checks on a request that has parsed, before any MCP server sees it, written once for Express and
 * for the Lambda app. Each returns the refusal, or undefined when the request may pass.
 */
export interface Refusal {
  status: number;
  code: number;
  message: string;
  headers?: Record<string, string>;
}

/** Deeper than this, a body is refused: the SDK re-serializes it recursively and would throw. */
export const MAX_JSON_DEPTH = 64;

/** The revision that removed JSON-RPC batching; older revisions keep it. */
const FIRST_REVISION_WITHOUT_BATCHES = '2025-06-18';

/** The verbs a Streamable HTTP endpoint knows; any other gets 405 before the SDK sees it. */
const MCP_METHODS = new Set(['GET', 'POST', 'DELETE']);

/** 405 for a verb outside GET, POST and DELETE (TRACE, PUT…); `allow` is what this endpoint serves. */
export function methodRefusal(method: string, allow: string): Refusal | undefined {
  if (MCP_METHODS.has(method)) return undefined;
  return { status: 405, code: JsonRpcCode.ServerError, message: `Method not allowed: ${method.slice(0, 16)}`, headers: { allow } };
}

/** A repeated `Host` makes the Host check ambiguous: which one did the client mean? */
export function duplicateHostRefusal(hostCount: number): Refusal | undefined {
  if (hostCount <= 1) return undefined;
  return { status: 400, code: JsonRpcCode.InvalidRequest, message: 'Bad Request: more than one Host header' };
}

/**
 * What the parsed body may not be: nested past `MAX_JSON_DEPTH`, or a batch where the protocol
 * revision has none. A request states its revision in `MCP-Protocol-Version`, which 2025-06-18 made
 * mandatory after initialize; without it the SDK assumes 2025-03-26, which still has batches.
 */
export function bodyRefusal(body: unknown, protocolVersion: string | undefined): Refusal | undefined {
  if (depthExceeds(body, MAX_JSON_DEPTH)) {
    return { status: 400, code: JsonRpcCode.InvalidRequest, message: `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  if (Array.isArray(body) && protocolVersion !== undefined && protocolVersion >= FIRST_REVISION_WITHOUT_BATCHES) {
    return { status: 400, code: JsonRpcCode.InvalidRequest, message: `Invalid Request: JSON-RPC batches were removed in protocol revision ${FIRST_REVISION_WITHOUT_BATCHES}` };
  }
  return undefined;
}

/** Iterative, so that the check itself cannot overflow the stack it protects. */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
