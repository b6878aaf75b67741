/**
 * The stateful server for the memory benchmark only: the same wiring as src/main.ts, plus a full
 * garbage collection on SIGUSR2 (run with --expose-gc), so RSS is read without pending garbage.
 */
import { detectInstance, loadConfig, serve } from '@mcp-on-aws/shared';

import { createStatefulServer } from '../src/app';
import { loadSessionConfig } from '../src/session-config';

const config = loadConfig();
const server = createStatefulServer({ config, sessionConfig: loadSessionConfig(), instance: detectInstance(), log: () => {} });
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ msg: 'memory', rss, heapTotal, heapUsed, external, arrayBuffers, sessions: server.sessions.size })}\n`);
});
void serve(server.app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, log: () => {} }).then((serving) => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: serving.url })}\n`);
});
