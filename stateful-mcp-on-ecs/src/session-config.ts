import { ConfigError } from '@mcp-on-aws/shared';

/** How this instance bounds its sessions; read from the environment once, like the shared `Config`. */
export interface SessionConfig {
  /** A session with no request and no open stream for this long is closed. */
  idleTimeoutMs: number;
  /** Beyond this many live sessions, `initialize` gets 503 with `Retry-After`. */
  maxSessions: number;
  /** Events kept per session for `Last-Event-ID` replay; older ones are dropped. */
  maxEventsPerSession: number;
  /** SSE keep-alive comment interval; must stay under the load balancer's idle timeout. */
  keepAliveMs: number;
}

export function loadSessionConfig(env: NodeJS.ProcessEnv = process.env): SessionConfig {
  return {
    idleTimeoutMs: integer(env, 'MCP_SESSION_IDLE_MS', 30 * 60_000, 1_000, 24 * 3_600_000),
    maxSessions: integer(env, 'MCP_MAX_SESSIONS', 5_000, 1, 1_000_000),
    maxEventsPerSession: integer(env, 'MCP_EVENTS_PER_SESSION', 100, 1, 100_000),
    keepAliveMs: integer(env, 'MCP_SSE_KEEPALIVE_MS', 15_000, 1_000, 3_600_000),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}
