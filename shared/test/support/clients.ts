import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export type ElicitAnswer = { action: 'accept'; content: { confirm: boolean } } | { action: 'decline' } | { action: 'cancel' };

/**
 * A real v2 client: `legacy` speaks 2025 (initialize), `modern` negotiates 2026-07-28 via server/discover.
 * With `token`, it sends it as a bearer token on every request (the SDK's minimal `AuthProvider`).
 */
export async function connect(url: string, era: 'legacy' | 'modern', answer?: ElicitAnswer, token?: string): Promise<Client & { elicitations: string[] }> {
  const client = Object.assign(
    new Client({ name: 'mcp-on-aws-test', version: '1.0.0' }, { capabilities: answer ? { elicitation: {} } : {}, versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } }),
    { elicitations: [] as string[] },
  );
  if (answer) {
    client.setRequestHandler('elicitation/create', async (request) => {
      client.elicitations.push(request.params.message);
      return answer;
    });
  }
  const authProvider = token === undefined ? undefined : { token: async () => token };
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { authProvider }));
  return client;
}

export function text(result: { content?: unknown }): string {
  const [first] = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return first?.text ?? '';
}
