import { ConfigError, integerSetting, loadConfig } from '../src';

const key = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('runs locally with nothing set: localhost only, a generated key, safe limits', () => {
    const config = loadConfig({});
    expect(config.production).toBe(false);
    expect(config.allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(config.allowedOrigins).toEqual(config.allowedHosts);
    expect(config.requestStateKey.length).toBe(32);
    expect(loadConfig({}).requestStateKey).not.toEqual(config.requestStateKey);
    expect(config.maxBodyBytes).toBe(1_048_576);
    expect(config.shutdownDeadlineMs).toBe(25_000);
    expect(config.maxListenStreams).toBe(1_024);
    expect(config.maxStreamsPerClient).toBe(128);
  });

  it('refuses to start in production without a requestState key, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', MCP_ALLOWED_HOSTS: 'x.example' })).toThrow(/MCP_REQUEST_STATE_KEY is required/);
  });

  it('refuses to start in production without an allow-list, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', MCP_REQUEST_STATE_KEY: key })).toThrow(/MCP_ALLOWED_HOSTS is required/);
  });

  it('uses the configured key and allow-lists in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', MCP_REQUEST_STATE_KEY: key, MCP_ALLOWED_HOSTS: 'A.example.com, b.example.com', MCP_ALLOWED_ORIGINS: 'app.example.com' });
    expect(Buffer.from(config.requestStateKey).toString('base64')).toBe(key);
    expect(config.allowedHosts).toEqual(['a.example.com', 'b.example.com']);
    expect(config.allowedOrigins).toEqual(['app.example.com']);
  });

  it.each([
    [{ MCP_REQUEST_STATE_KEY: Buffer.alloc(16).toString('base64') }, /at least 32 bytes, got 16/],
    [{ MCP_MAX_BODY_BYTES: 'lots' }, /MCP_MAX_BODY_BYTES must be an integer/],
    [{ MCP_SHUTDOWN_DEADLINE_MS: '600000' }, /MCP_SHUTDOWN_DEADLINE_MS must be an integer from 0 to 120000/],
    [{ MCP_MAX_LISTEN_STREAMS: '0' }, /MCP_MAX_LISTEN_STREAMS must be an integer from 1 to 100000/],
    [{ MCP_MAX_STREAMS_PER_CLIENT: 'many' }, /MCP_MAX_STREAMS_PER_CLIENT must be an integer/],
  ])('rejects %j with a ConfigError', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('integerSetting', () => {
  const range = { fallback: 3, min: 1, max: 100 };

  it('takes an environment string or a CDK context number, and the fallback when it is absent or empty', () => {
    expect(integerSetting('desiredCount', '2', range)).toBe(2);
    expect(integerSetting('desiredCount', 7, range)).toBe(7);
    expect(integerSetting('desiredCount', undefined, range)).toBe(3);
    expect(integerSetting('desiredCount', '', range)).toBe(3);
  });

  it.each([['three'], ['0'], ['101'], ['2.5'], [Number.NaN]])('rejects %j with a ConfigError that names the setting and its range', (raw) => {
    expect(() => integerSetting('desiredCount', raw, range)).toThrow(ConfigError);
    expect(() => integerSetting('desiredCount', raw, range)).toThrow(/^desiredCount must be an integer from 1 to 100, got "/);
  });

  it('requires a setting that has no fallback', () => {
    expect(() => integerSetting('PORT', undefined, { min: 1, max: 65_535 })).toThrow(/^PORT is required: an integer from 1 to 65535$/);
  });
});
