/**
 * A stand-in for the parts of the Node.js Lambda runtime a streaming handler touches, and for the
 * reading side of its wire format. It is dev tooling: the emulator, the tests and the benchmark
 * run the Lambda handler through it, and nothing under `src/` imports it.
 *
 * - `awslambda.streamifyResponse` marks a handler as streaming and returns it, as the runtime
 *   interface client does (`Symbol.for('aws.lambda.runtime.handler.streaming')`).
 * - `awslambda.HttpResponseStream.from(stream, prelude)` sets the stream's content type to
 *   `application/vnd.awslambda.http-integration-response` and, just before the first `write`, writes
 *   the prelude as JSON and then 8 NUL bytes. Like the runtime's, only `write` triggers it: a handler
 *   that only calls `end(chunk)` sends no prelude.
 * - `splitPrelude` is API Gateway's side: status and headers from the JSON before the delimiter,
 *   and the body after it, passed on as it arrives.
 *
 * Importing this module installs the global, as the runtime has before it loads a handler.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';

/** What `awslambda.streamifyResponse` wraps: the runtime hands it a writable for the response. */
export type StreamingHandler = (event: unknown, responseStream: Writable, context?: unknown) => Promise<void>;

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);

/** The metadata a streaming handler sends before its body (API Gateway's and Function URLs' format). */
export interface Prelude {
  statusCode?: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  [other: string]: unknown;
}

/** The runtime's response stream: a writable whose first `write` runs the prelude hook. */
class ResponseStream extends PassThrough {
  contentType = 'application/octet-stream';
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
  private started = false;

  setContentType(contentType: string): void {
    if (this.started) throw new Error('Cannot set content-type, too late.');
    this.contentType = contentType;
  }

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    if (!this.started) {
      this.started = true;
      this._onBeforeFirstWrite?.((first) => void super.write(first));
    }
    return (super.write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }
}

/** The global the runtime installs; exported so tests can wrap a handler without a type cast. */
export const awslambda = {
  streamifyResponse<H extends StreamingHandler>(handler: H): H {
    return Object.assign(handler, { [STREAMING]: 'response' });
  },
  HttpResponseStream: {
    from(stream: Writable, prelude: Prelude): Writable {
      const response = stream as ResponseStream;
      response.setContentType(PRELUDE_CONTENT_TYPE);
      const json = JSON.stringify(prelude);
      response._onBeforeFirstWrite = (write) => {
        write(json);
        write(DELIMITER);
      };
      return response;
    },
  },
};
(globalThis as { awslambda?: typeof awslambda }).awslambda ??= awslambda;

export function isStreaming(handler: unknown): handler is StreamingHandler {
  return typeof handler === 'function' && (handler as unknown as Record<symbol, unknown>)[STREAMING] === 'response';
}

/**
 * Invokes a streaming handler as `InvokeWithResponseStream` does: `output` carries the bytes as the
 * handler writes them; `done` settles when the handler's promise does. Destroying `output` (a
 * client gone) makes the handler's later writes fail quietly, as on a closed connection.
 */
export function invokeStreaming(handler: StreamingHandler, event: unknown, context: unknown = {}): { output: Readable; done: Promise<void> } {
  const output = new ResponseStream();
  const done = (async () => handler(event, output, context))().finally(() => {
    if (!output.writableEnded && !output.destroyed) output.end();
  });
  return { output, done };
}

/**
 * Reads the prelude off a streamed response, as API Gateway does. Rejects when the stream ends (or
 * fails) before the delimiter, or when the prelude is not a JSON object.
 */
export function splitPrelude(output: Readable): Promise<{ prelude: Prelude; body: Readable }> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const at = head.indexOf(DELIMITER);
      if (at < 0) return;
      output.off('data', onData).off('end', onEnd).off('error', reject).pause();
      let prelude: unknown;
      try {
        prelude = JSON.parse(head.subarray(0, at).toString('utf8'));
      } catch {
        return reject(new Error('the prelude is not JSON'));
      }
      if (typeof prelude !== 'object' || prelude === null || Array.isArray(prelude)) return reject(new Error('the prelude is not a JSON object'));
      const rest = head.subarray(at + DELIMITER.length);
      if (rest.length > 0) output.unshift(rest);
      resolve({ prelude: prelude as Prelude, body: output });
    };
    const onEnd = () => reject(new Error('the response ended before the prelude'));
    output.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/** A streamed response read to its end: what a client of the handler alone receives. */
export interface StreamedResult {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  /** What the prelude says; a streamed prelude carries no such flag, so the body is the bytes as written. */
  isBase64Encoded: boolean;
  body: string;
}

/** Invokes a streaming handler to its end and reads its response the way API Gateway would. */
export async function invokeToEnd(handler: StreamingHandler, event: unknown, context?: unknown): Promise<StreamedResult> {
  const { output, done } = invokeStreaming(handler, event, context);
  done.catch(() => undefined); // awaited below; this keeps a failure before the prelude from going unhandled
  const { prelude, body } = await splitPrelude(output);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  await done;
  return {
    statusCode: prelude.statusCode ?? 200,
    headers: prelude.headers ?? {},
    ...(prelude.multiValueHeaders && { multiValueHeaders: prelude.multiValueHeaders }),
    ...(prelude.cookies && { cookies: prelude.cookies }),
    isBase64Encoded: prelude.isBase64Encoded === true,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}
