/**
 * The metrics scenario every sample's test runs through its own front door, with the real v2
 * client: a tool that answers, a tool that fails, a tool that does not exist and a method the
 * server does not offer, each checked in its request log line, parsed as CloudWatch reads EMF.
 */
import { z } from 'zod';

import type { LogLine } from '../src';
import { connect } from '../test/support/clients';
import { datum, emfData } from './emf';

/** Waits for the request line whose JSON-RPC `Method`/`Tool` match, then returns it. */
async function lineFor(lines: LogLine[], match: Partial<LogLine>, from: number): Promise<LogLine> {
  for (let i = 0; i < 100; i++) {
    const line = lines.slice(from).find((l) => l.msg === 'request' && Object.entries(match).every(([k, v]) => l[k] === v));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request line with ${JSON.stringify(match)} in ${JSON.stringify(lines.slice(from))}`);
}

/** The metric values of a request line, checked: namespace, dimension sets, `Requests` 1, units. */
export function requestMetrics(line: LogLine, service: string, method: string, tool?: string) {
  const data = emfData(line as Record<string, unknown>);
  const sets: Array<Record<string, string>> = [{ Service: service }, { Service: service, Method: method }, ...(tool ? [{ Service: service, Tool: tool }] : [])];
  expect(data.every((d) => d.namespace === 'McpOnAws')).toBe(true);
  expect(data).toHaveLength(sets.length * 3);
  for (const dimensions of sets) {
    expect(datum(data, 'Requests', dimensions)).toMatchObject({ unit: 'Count', values: [1] });
    expect(datum(data, 'Latency', dimensions)?.unit).toBe('Milliseconds');
  }
  const [errors] = datum(data, 'Errors', sets[0]!)!.values;
  const [latency] = datum(data, 'Latency', sets[0]!)!.values;
  return { errors: errors!, latency: latency! };
}

export async function expectRequestMetrics(url: string, lines: LogLine[], service: string, era: 'legacy' | 'modern'): Promise<void> {
  const client = await connect(url, era);
  try {
    let from = lines.length;
    await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    const echo = await lineFor(lines, { Method: 'tools/call', Tool: 'echo' }, from);
    const ok = requestMetrics(echo, service, 'tools/call', 'echo');
    expect(ok.errors).toBe(0);
    expect(ok.latency).toBeGreaterThan(0);
    expect(ok.latency).toBeLessThanOrEqual(echo.durationMs as number);
    expect(echo).toMatchObject({ service, era, requestId: expect.any(String), errorType: undefined });

    from = lines.length;
    expect((await client.callTool({ name: 'test_error_handling', arguments: {} })).isError).toBe(true);
    const failed = await lineFor(lines, { Tool: 'test_error_handling' }, from);
    expect(requestMetrics(failed, service, 'tools/call', 'test_error_handling').errors).toBe(1);
    expect(failed.errorType).toBe('tool_error');

    // An unknown tool's name is the client's string: it is counted as `other`.
    from = lines.length;
    await client.callTool({ name: 'no_such_tool', arguments: {} }).catch(() => undefined);
    const unknownTool = await lineFor(lines, { Method: 'tools/call' }, from);
    expect(unknownTool.Tool).toBe('other');
    expect(requestMetrics(unknownTool, service, 'tools/call', 'other').errors).toBe(1);

    // The server answers -32601, and a method it does not offer is counted as `other`.
    from = lines.length;
    await expect(client.request({ method: 'tools/bogus', params: {} }, z.object({}))).rejects.toThrow();
    const unknownMethod = await lineFor(lines, { Method: 'other' }, from);
    expect(requestMetrics(unknownMethod, service, 'other').errors).toBe(1);
    expect(unknownMethod).toMatchObject({ method: 'tools/bogus', errorType: '-32601' });
  } finally {
    await client.close();
  }
}

/** With metrics off (a local run) and no tracing, the line is the plain request line: no EMF, nothing observed. */
export async function expectNoEmf(url: string, lines: LogLine[]): Promise<void> {
  const client = await connect(url, 'modern');
  try {
    const from = lines.length;
    await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    const line = await lineFor(lines, { method: 'tools/call' }, from);
    expect(line).toMatchObject({ requestId: expect.any(String), status: 200 });
    for (const key of ['_aws', 'Requests', 'Method', 'Tool', 'Latency']) expect(line).not.toHaveProperty(key);
  } finally {
    await client.close();
  }
}
