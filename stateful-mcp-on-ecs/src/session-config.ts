import { integerSetting, sseKeepAliveMs } from '@mcp-on-aws/shared';

/** How this instance bounds its sessions; read from the environment once, like the shared `Config`. */
export interface SessionConfig {
  /** A session with no request and no open stream for this long is closed. */
  idleTimeoutMs: number;
  /** Beyond this many live sessions, `initialize` gets 503 with `Retry-After`. */
  maxSessions: number;
  /** Events kept per session for `Last-Event-ID` replay; older ones are dropped. */
  maxEventsPerSession: number;
  /** Bytes of events (their JSON) kept per session in memory; older ones are dropped. */
  maxEventBytesPerSession: number;
  /** Bytes of events kept in memory across every session of the process; past it the oldest event in the process goes. */
  maxEventBytesPerProcess: number;
  /** Answered POST streams per session whose events stay for a client that lost the answer to resume; older ones are dropped. */
  answeredStreamsPerSession: number;
  /** SSE keep-alive comment interval; must stay under the load balancer's idle timeout. */
  keepAliveMs: number;
  /** A session whose client sends nothing after `initialize` for this long is closed and forgotten. */
  handshakeTimeoutMs: number;
  /** New sessions one client (IP, or IPv6 /64) may open on this instance per minute; beyond it 429. */
  newSessionsPerClientPerMinute: number;
}

/** How often the live sessions look for idle ones: an idle session closes between one idle timeout and this much later. */
export const idleSweepMs = ({ idleTimeoutMs }: Pick<SessionConfig, 'idleTimeoutMs'>): number => Math.min(idleTimeoutMs / 2, 30_000);

export function loadSessionConfig(env: NodeJS.ProcessEnv = process.env): SessionConfig {
  return {
    idleTimeoutMs: integerSetting('MCP_SESSION_IDLE_MS', env.MCP_SESSION_IDLE_MS, { fallback: 30 * 60_000, min: 1_000, max: 24 * 3_600_000 }),
    maxSessions: integerSetting('MCP_MAX_SESSIONS', env.MCP_MAX_SESSIONS, { fallback: 5_000, min: 1, max: 1_000_000 }),
    maxEventsPerSession: integerSetting('MCP_EVENTS_PER_SESSION', env.MCP_EVENTS_PER_SESSION, { fallback: 100, min: 1, max: 100_000 }),
    maxEventBytesPerSession: integerSetting('MCP_EVENT_BYTES_PER_SESSION', env.MCP_EVENT_BYTES_PER_SESSION, { fallback: 256 * 1024, min: 1024, max: 64 * 1024 * 1024 }),
    maxEventBytesPerProcess: integerSetting('MCP_EVENT_BYTES_PER_PROCESS', env.MCP_EVENT_BYTES_PER_PROCESS, { fallback: 32 * 1024 * 1024, min: 1024, max: 16 * 1024 * 1024 * 1024 }),
    answeredStreamsPerSession: integerSetting('MCP_ANSWERED_STREAMS_PER_SESSION', env.MCP_ANSWERED_STREAMS_PER_SESSION, { fallback: 4, min: 0, max: 1_000 }),
    keepAliveMs: sseKeepAliveMs(env),
    handshakeTimeoutMs: integerSetting('MCP_HANDSHAKE_TIMEOUT_MS', env.MCP_HANDSHAKE_TIMEOUT_MS, { fallback: 60_000, min: 100, max: 3_600_000 }),
    // A client opens a session when it connects; the official conformance suite, the busiest honest
    // client here, opens 30 to 60 in its minute on one task.
    newSessionsPerClientPerMinute: integerSetting('MCP_NEW_SESSIONS_PER_CLIENT_PER_MINUTE', env.MCP_NEW_SESSIONS_PER_CLIENT_PER_MINUTE, { fallback: 120, min: 1, max: 1_000_000 }),
  };
}
