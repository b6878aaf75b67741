// The baseline: Express 5 answering a fixed JSON body, the floor any MCP server on Express sits on.
import express from 'express';

const body = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hello' }] } };
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/mcp', (_req, res) => void res.json(body));
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
