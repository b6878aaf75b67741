/**
 * The memory benchmark's reading, preloaded into the production bundle (dist/main.mjs, built as
 * shared/Dockerfile builds it) with `node --expose-gc --import`: a memory reading on SIGUSR2. Plain
 * JavaScript, so the process runs nothing through tsx: measuring the bundle matters, as tsx, which
 * runs src/ in development, wraps every closure in a `__name` call that gives it its own property
 * store: 2-4 KB more live heap per session than the code that ships.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Idle sessions are measured on an idle process. A forced GC frees the garbage of opening the
 * sessions, but V8 gives emptied pages back to the OS later, from a background thread and from its
 * memory reducer (8 s after allocation slows down); RSS read at once counts some of them. So the
 * reading waits past that delay, collects again, and reads.
 */
const IDLE_MS = 12_000;

const { gc } = globalThis;
if (!gc) throw new Error('run with --expose-gc');

process.on('SIGUSR2', async () => {
  gc();
  await sleep(IDLE_MS);
  gc();
  const { rss, heapTotal, heapUsed } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ msg: 'memory', rss, heapTotal, heapUsed })}\n`);
});
