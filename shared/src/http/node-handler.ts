import { toNodeHandler } from '@modelcontextprotocol/node';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import type { RequestHandler } from 'express';

/**
 * Mounts a web-standard MCP handler (`createMcpHandler`) in Express. The body Express already
 * parsed is handed over, so it is not read or parsed twice.
 */
export function expressMcpHandler(mcp: Pick<McpHttpHandler, 'fetch'>, maxBodyBytes: number): RequestHandler {
  const node = toNodeHandler(mcp, { maxRequestBodySize: maxBodyBytes });
  return (req, res) => node(req, res, req.body);
}
