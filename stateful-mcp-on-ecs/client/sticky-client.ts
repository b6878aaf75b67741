/**
 * An MCP client that keeps the load balancer's stickiness cookie, so every request of a 2025-era
 * session reaches the task that holds it.
 *
 * The SDK's client keeps no cookies and Node's `fetch` has no jar, so behind an ALB with
 * `lb_cookie` stickiness a plain client lands on a random task and gets 404 for its session. Here
 * the transport gets a `fetch` wrapped by fetch-cookie over a tough-cookie jar (the process's global
 * `fetch` is left alone). When the task holding the session is gone, the server answers 404; this
 * client then says so, initializes a new session (the balancer re-sticks it to a healthy task) and
 * retries the call once. Without durable sessions the session's state is lost; with them
 * the server never answers 404 for a live session, and the call just succeeds on another task. Until the ALB's
 * health checks notice a dead task (two failed checks, 20 s here), it answers 502 or 503; those
 * calls are retried with backoff for up to `retryForMs`.
 */
import { Client, SdkHttpError, StreamableHTTPClientTransport, type StreamableHTTPClientTransportOptions } from '@modelcontextprotocol/client';
import { sessionTag } from '@mcp-on-aws/shared/client';
import makeFetchCookie from 'fetch-cookie';
import { CookieJar } from 'tough-cookie';

export type ElicitAnswer = { action: 'accept'; content: Record<string, string | number | boolean | string[]> } | { action: 'decline' } | { action: 'cancel' };

export interface StickyClientOptions {
  /** The MCP endpoint, e.g. `http://my-alb.example.com/mcp`. */
  url: string | URL;
  /** Answers a server's `elicitation/create`; without it, the client declares no elicitation capability. */
  elicit?: (message: string) => Promise<ElicitAnswer>;
  onLog?: (level: string, data: unknown) => void;
  onResourceUpdated?: (uri: string) => void;
  /** Where the client says what it does about its session (re-initializing, for one). */
  say?: (line: string) => void;
  /** How long to keep retrying a call answered 502, 503 or 504 (the balancer, or the server's session cap); default 30 s. */
  retryForMs?: number;
  /** The `fetch` under the cookie jar; default the global one. */
  fetch?: typeof fetch;
  /** When a dropped GET stream reconnects (the SDK's hook); default after the backoff below. */
  reconnectionScheduler?: StreamableHTTPClientTransportOptions['reconnectionScheduler'];
}

/**
 * The SDK gives a dropped GET stream 2 reconnection attempts within 2.5 s; a balancer may need
 * longer to notice a dead task (the ALB: two failed health checks, 20 s here), so keep trying for
 * about 30 s. A durable session resumes the stream on another task with `Last-Event-ID`.
 */
const GET_STREAM_RECONNECTION = { initialReconnectionDelay: 250, maxReconnectionDelay: 4_000, reconnectionDelayGrowFactor: 2, maxRetries: 10 };

const TRANSIENT = new Set([502, 503, 504]);
const httpStatus = (error: unknown) => (error instanceof SdkHttpError ? error.status : undefined);

export class StickyClient {
  /** The cookie jar shared by every session this client opens, so a new session stays sticky too. */
  readonly jar = new CookieJar();
  readonly fetch: typeof fetch;
  reinitializations = 0;
  private client!: Client;
  private transport!: StreamableHTTPClientTransport;
  private readonly subscriptions = new Set<string>();

  private constructor(private readonly options: StickyClientOptions) {
    this.fetch = makeFetchCookie(options.fetch ?? fetch, this.jar) as unknown as typeof fetch;
  }

  static async connect(options: StickyClientOptions): Promise<StickyClient> {
    const sticky = new StickyClient(options);
    await sticky.retrying(() => sticky.open());
    return sticky;
  }

  get sessionId(): string | undefined {
    return this.transport.sessionId;
  }

  /** The `AWSALB` cookie the balancer set, if any. */
  async stickinessCookie(): Promise<string | undefined> {
    const cookies = await this.jar.getCookies(String(this.options.url));
    return cookies.find((c) => c.key === 'AWSALB')?.value;
  }

  callTool(...args: Parameters<Client['callTool']>): ReturnType<Client['callTool']> {
    return this.withSession(() => this.client.callTool(...args));
  }

  listTools(...args: Parameters<Client['listTools']>): ReturnType<Client['listTools']> {
    return this.withSession(() => this.client.listTools(...args));
  }

  readResource(...args: Parameters<Client['readResource']>): ReturnType<Client['readResource']> {
    return this.withSession(() => this.client.readResource(...args));
  }

  async subscribe(uri: string): Promise<void> {
    await this.withSession(() => this.client.subscribeResource({ uri }));
    this.subscriptions.add(uri);
  }

  /** Ends the session on the server (DELETE) and closes the connection. */
  async close(): Promise<void> {
    await this.transport.terminateSession().catch(() => {});
    await this.client.close();
  }

  private async withSession<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.retrying(call);
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
      const lost = this.sessionId;
      await this.client.close().catch(() => {});
      await this.retrying(() => this.open());
      this.reinitializations++;
      this.options.say?.(`session ${sessionTag(lost)} is gone (404); re-initialized as ${sessionTag(this.sessionId)}`);
      for (const uri of this.subscriptions) await this.client.subscribeResource({ uri });
      return this.retrying(call);
    }
  }

  private async retrying<T>(call: () => Promise<T>): Promise<T> {
    const until = Date.now() + (this.options.retryForMs ?? 30_000);
    for (let delay = 250; ; delay = Math.min(delay * 2, 4_000)) {
      try {
        return await call();
      } catch (error) {
        const status = httpStatus(error);
        if (status === undefined || !TRANSIENT.has(status) || Date.now() + delay > until) throw error;
        this.options.say?.(`HTTP ${status} (load balancer or session cap); retrying in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async open(): Promise<void> {
    const { elicit, onLog, onResourceUpdated } = this.options;
    this.client = new Client({ name: 'mcp-on-aws-sticky-client', version: '0.1.0' }, { capabilities: elicit ? { elicitation: {} } : {} });
    if (elicit) this.client.setRequestHandler('elicitation/create', (request) => elicit(request.params.message));
    if (onLog) this.client.setNotificationHandler('notifications/message', (n) => onLog(n.params.level, n.params.data));
    if (onResourceUpdated) this.client.setNotificationHandler('notifications/resources/updated', (n) => onResourceUpdated(n.params.uri));
    const { reconnectionScheduler } = this.options;
    this.transport = new StreamableHTTPClientTransport(new URL(this.options.url), { fetch: this.fetch, reconnectionOptions: GET_STREAM_RECONNECTION, ...(reconnectionScheduler && { reconnectionScheduler }) });
    await this.client.connect(this.transport);
  }
}
