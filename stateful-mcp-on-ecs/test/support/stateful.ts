import { Client, StreamableHTTPClientTransport, type StreamableHTTPReconnectionOptions, type Tool } from '@modelcontextprotocol/client';
import { loadConfig, serve, type Logger, type Serving } from '@mcp-on-aws/shared';

import { createStatefulServer, type StatefulServer } from '../../src/app';
import { loadSessionConfig } from '../../src/session-config';
import type { SessionStore } from '../../src/session-store';

import { raw } from '../../../shared/test/support/raw-http';

export { text } from '../../../shared/test/support/clients';

export const quiet = () => {};

/** One stateful server in this process on an ephemeral loopback port, named `instanceId`. */
export async function startStateful(env: NodeJS.ProcessEnv = {}, instanceId = 'solo', deadlineMs = 2_000, sessionStore?: SessionStore, log: Logger = quiet): Promise<Serving & { stateful: StatefulServer; mcp: string }> {
  const config = loadConfig(env);
  const instance = { id: instanceId, platform: 'local' as const, version: '0.1.0' };
  const stateful = createStatefulServer({ config, sessionConfig: loadSessionConfig(env), instance, log, sessionStore });
  const serving = await serve(stateful.app, { port: 0, host: '127.0.0.1', deadlineMs, onShutdown: stateful.onShutdown, log: quiet });
  return { ...serving, stateful, mcp: `${serving.url}/mcp` };
}

export interface PushLog {
  elicitations: string[];
  samplings: string[];
  logs: Array<{ level: string; data: unknown }>;
  updates: string[];
  /** The tool names the client re-listed after each `notifications/tools/list_changed`. */
  toolLists: string[][];
}

/** A real v2 client that answers elicitation and sampling pushes and records what arrives. */
export async function connectSession(
  mcp: string,
  options: { era?: 'legacy' | 'modern'; fetch?: typeof fetch; reconnectionOptions?: StreamableHTTPReconnectionOptions; watchTools?: boolean } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport; pushed: PushLog }> {
  const pushed: PushLog = { elicitations: [], samplings: [], logs: [], updates: [], toolLists: [] };
  const onChanged = (error: Error | null, tools: Tool[] | null) => void pushed.toolLists.push(error ? [`error: ${error.message}`] : (tools ?? []).map((t) => t.name));
  const client = new Client(
    { name: 'stateful-test', version: '1.0.0' },
    { capabilities: { elicitation: {}, sampling: {} }, versionNegotiation: { mode: options.era === 'modern' ? 'auto' : 'legacy' }, ...(options.watchTools && { listChanged: { tools: { onChanged, debounceMs: 0 } } }) },
  );
  client.setRequestHandler('elicitation/create', async (request) => {
    pushed.elicitations.push(request.params.message);
    return { action: 'accept', content: { confirm: true } };
  });
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const [message] = request.params.messages;
    pushed.samplings.push(message?.content && 'text' in message.content ? String(message.content.text) : '');
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'forty-two' } };
  });
  client.setNotificationHandler('notifications/message', (n) => void pushed.logs.push({ level: n.params.level, data: n.params.data }));
  client.setNotificationHandler('notifications/resources/updated', (n) => void pushed.updates.push(n.params.uri));
  const transport = new StreamableHTTPClientTransport(new URL(mcp), { fetch: options.fetch, reconnectionOptions: options.reconnectionOptions });
  await client.connect(transport);
  return { client, transport, pushed };
}

export async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The headers of a session's requests: the SDK's `Accept`, the session id and the protocol version. */
export type RawSession = Record<string, string> & { 'mcp-session-id': string };

/** A 2025-era session opened with raw HTTP straight on one instance (no balancer): `initialize`, then `notifications/initialized`. */
export async function rawSession(mcp: string): Promise<RawSession> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
  const init = await raw(mcp, { headers, body: JSON.stringify(initialize) });
  const session = { ...headers, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
  await raw(mcp, { headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return session;
}
