import { randomBytes } from 'node:crypto';

import { loadAuthConfig, type AuthConfig } from './auth/config';
import type { MetricsConfig } from './observability/metrics';

/**
 * Everything a server reads from its environment, read once and validated at start-up.
 * A bad value stops the process with a message that names the variable.
 */
export interface Config {
  /** `NODE_ENV=production`: no generated secrets, no localhost defaults. */
  production: boolean;
  /** HMAC key for `requestState` (>= 32 bytes); every instance of a deployment must share it. */
  requestStateKey: Uint8Array;
  /** Hostnames accepted in `Host`; `['*']` accepts any. */
  allowedHosts: string[];
  /** Hostnames accepted in `Origin` (a request without `Origin` is not a browser and passes). */
  allowedOrigins: string[];
  maxBodyBytes: number;
  /** How long SIGTERM may take before the process exits anyway. */
  shutdownDeadlineMs: number;
  /** 2026-era `subscriptions/listen` streams this process holds at once; beyond it a listen gets 503 with `Retry-After`. */
  maxListenStreams: number;
  /** Streams one client (IP, or IPv6 /64) holds open at once on this process, GET and listen streams together; beyond it 429. */
  maxStreamsPerClient: number;
  /** How often a quiet SSE stream gets a comment line: well inside every idle timeout in front (ALB, CloudFront). */
  sseKeepAliveMs: number;
  /** The proxies in front that each append to `X-Forwarded-For`: 2 behind CloudFront and the ALB. See `clientAddress`. */
  trustedProxyHops: number;
  /** `MCP_METRICS=emf` writes CloudWatch metrics as EMF; `MCP_SERVICE_NAME` is their `Service` dimension. */
  metrics: MetricsConfig;
  /** The OAuth resource-server settings (`MCP_AUTH`, `MCP_AUTH_ISSUER`, ...); undefined when authentication is off. */
  auth?: AuthConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOCALHOST = ['localhost', '127.0.0.1', '[::1]'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const allowedHosts = list(env, 'MCP_ALLOWED_HOSTS') ?? (production ? undefined : LOCALHOST);
  if (!allowedHosts) {
    throw new ConfigError('MCP_ALLOWED_HOSTS is required in production: the hostnames clients use to reach this server (or * for any)');
  }
  return {
    production,
    requestStateKey: requestStateKey(env, production),
    allowedHosts,
    allowedOrigins: list(env, 'MCP_ALLOWED_ORIGINS') ?? allowedHosts,
    maxBodyBytes: integerSetting('MCP_MAX_BODY_BYTES', env.MCP_MAX_BODY_BYTES, { fallback: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024 }),
    shutdownDeadlineMs: integerSetting('MCP_SHUTDOWN_DEADLINE_MS', env.MCP_SHUTDOWN_DEADLINE_MS, { fallback: 25_000, min: 0, max: 120_000 }),
    // The SDK's own `maxSubscriptions` default.
    maxListenStreams: integerSetting('MCP_MAX_LISTEN_STREAMS', env.MCP_MAX_LISTEN_STREAMS, { fallback: 1_024, min: 1, max: 100_000 }),
    // An honest client holds one GET stream per session and one listen stream; 128 leaves room for a NAT'd office.
    maxStreamsPerClient: integerSetting('MCP_MAX_STREAMS_PER_CLIENT', env.MCP_MAX_STREAMS_PER_CLIENT, { fallback: 128, min: 1, max: 100_000 }),
    sseKeepAliveMs: sseKeepAliveMs(env),
    trustedProxyHops: integerSetting('MCP_TRUSTED_PROXY_HOPS', env.MCP_TRUSTED_PROXY_HOPS, { fallback: 1, min: 0, max: 5 }),
    metrics: metricsConfig(env),
    auth: loadAuthConfig(env, production),
  };
}

/** `MCP_SSE_KEEPALIVE_MS`, 15 s by default: the SDK's own default, a quarter of the ALB's and CloudFront's 60 s. */
export function sseKeepAliveMs(env: NodeJS.ProcessEnv): number {
  return integerSetting('MCP_SSE_KEEPALIVE_MS', env.MCP_SSE_KEEPALIVE_MS, { fallback: 15_000, min: 100, max: 3_600_000 });
}

function metricsConfig(env: NodeJS.ProcessEnv): MetricsConfig {
  const metrics = env.MCP_METRICS || 'off';
  if (metrics !== 'emf' && metrics !== 'off') throw new ConfigError(`MCP_METRICS must be emf or off, got "${metrics.slice(0, 32)}"`);
  return { emf: metrics === 'emf', service: env.MCP_SERVICE_NAME || 'mcp-on-aws' };
}

function requestStateKey(env: NodeJS.ProcessEnv, production: boolean): Uint8Array {
  const encoded = env.MCP_REQUEST_STATE_KEY;
  if (!encoded) {
    if (production) throw new ConfigError('MCP_REQUEST_STATE_KEY is required in production: base64 of at least 32 random bytes, shared by every instance');
    // Local dev only: one process signs and verifies its own state.
    return randomBytes(32);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 32) throw new ConfigError(`MCP_REQUEST_STATE_KEY must decode to at least 32 bytes, got ${key.length}`);
  return key;
}

function list(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const items = env[name]?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return items?.length ? items : undefined;
}

export interface IntegerRange {
  /** The value when the setting is absent or empty; without it, the setting is required. */
  fallback?: number;
  min: number;
  max: number;
}

/**
 * One integer setting, from the environment or the CDK context, checked against its range. The error
 * names the setting, so a bad deployment value stops the start (or the synth) with the reason.
 */
export function integerSetting(name: string, raw: unknown, { fallback, min, max }: IntegerRange): number {
  if (raw === undefined || raw === '') {
    if (fallback === undefined) throw new ConfigError(`${name} is required: an integer from ${min} to ${max}`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${String(raw)}"`);
  }
  return value;
}
