/**
 * What a session keeps of the client's `initialize`: what rebuilding it on another task needs
 * (`durable/rehydrate.ts`), which is the protocol version, the client capabilities a server acts
 * on, and the client's name and version. Each part is bounded, and an `initialize` past a bound is
 * refused with 400 before anything is stored: a durable session's item carries it on every write,
 * at one write unit per KB, so a 380 KB `clientInfo.name` would cost 372 units a write.
 */
import type { InitializeRequest, JSONRPCRequest } from '@modelcontextprotocol/server';

export const INITIALIZE_LIMITS = { protocolVersionChars: 32, clientNameChars: 256, clientVersionChars: 64, capabilitiesBytes: 1_024 } as const;

/** The client capabilities a server uses; anything else (`experimental`, say) is not kept. */
const KEPT_CAPABILITIES = ['roots', 'sampling', 'elicitation', 'tasks'] as const;

export type InitializeCheck = { ok: true; kept: JSONRPCRequest } | { ok: false; message: string };

/** `initialize` is a valid `InitializeRequest` here (the app routed it by `isInitializeRequest`). */
export function checkInitialize(initialize: InitializeRequest): InitializeCheck {
  const { protocolVersion, capabilities, clientInfo } = initialize.params;
  const kept = Object.fromEntries(KEPT_CAPABILITIES.flatMap((key) => (capabilities[key] === undefined ? [] : [[key, capabilities[key]]])));
  const refusal =
    tooLong('protocolVersion', protocolVersion, INITIALIZE_LIMITS.protocolVersionChars) ??
    tooLong('clientInfo.name', clientInfo.name, INITIALIZE_LIMITS.clientNameChars) ??
    tooLong('clientInfo.version', clientInfo.version, INITIALIZE_LIMITS.clientVersionChars) ??
    (Buffer.byteLength(JSON.stringify(kept)) > INITIALIZE_LIMITS.capabilitiesBytes ? `capabilities take more than ${INITIALIZE_LIMITS.capabilitiesBytes} bytes` : undefined);
  if (refusal) return { ok: false, message: `Invalid params: initialize ${refusal}` };
  // A fixed id: the client's could be any length, and rehydration's answer goes nowhere.
  const params = { protocolVersion, capabilities: kept, clientInfo: { name: clientInfo.name, version: clientInfo.version } };
  return { ok: true, kept: { jsonrpc: '2.0', id: 'rehydrate-initialize', method: 'initialize', params } };
}

const tooLong = (field: string, value: string, max: number) => (value.length > max ? `${field} is longer than ${max} characters` : undefined);
