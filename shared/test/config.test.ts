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
    const config = loadConfig({ NODE_ENV: 'production', MCP_REQUEST_STATE_KEY: key, MCP_ALLOWED_HOSTS: 'A.example.com, b.example.com', MCP_ALLOWED_ORIGINS: 'app.example.com', MCP_AUTH: 'none' });
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

describe('loadConfig: authentication', () => {
  const production = { NODE_ENV: 'production', MCP_REQUEST_STATE_KEY: key, MCP_ALLOWED_HOSTS: 'x.example' };
  const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123';
  const resource = 'https://d111111abcdef8.cloudfront.net/mcp';

  it('is off locally with nothing set, and off with MCP_AUTH=none even in production', () => {
    expect(loadConfig({}).auth).toBeUndefined();
    expect(loadConfig({ ...production, MCP_AUTH: 'none' }).auth).toBeUndefined();
    expect(loadConfig({ MCP_AUTH: 'none', MCP_AUTH_ISSUER: issuer }).auth).toBeUndefined();
  });

  it('refuses to start in production with neither MCP_AUTH_ISSUER nor MCP_AUTH=none, naming both', () => {
    expect(() => loadConfig(production)).toThrow(ConfigError);
    expect(() => loadConfig(production)).toThrow(/MCP_AUTH_ISSUER is required in production .* set MCP_AUTH=none/);
  });

  it('turns on with an issuer, reading every setting', () => {
    const env = { ...production, MCP_AUTH_ISSUER: issuer, MCP_RESOURCE_URL: resource, MCP_AUTH_JWKS_URI: `${issuer}/.well-known/jwks.json`, MCP_AUTH_SCOPES: ' https://x/mcp  openid ', MCP_AUTH_AUDIENCE: 'api://mcp' };
    expect(loadConfig(env).auth).toEqual({
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      resourceUrl: new URL(resource),
      resourceMetadataUrl: undefined,
      audience: 'api://mcp',
      scopes: ['https://x/mcp', 'openid'],
    });
  });

  it('needs no resource URL locally: it is derived from each request', () => {
    expect(loadConfig({ MCP_AUTH_ISSUER: 'http://127.0.0.1:4000' }).auth).toMatchObject({ issuer: 'http://127.0.0.1:4000', resourceUrl: undefined, scopes: [] });
  });

  it.each([
    [{ MCP_AUTH: 'cognito' }, /MCP_AUTH must be oauth or none, got "cognito"/],
    [{ MCP_AUTH: 'oauth' }, /MCP_AUTH=oauth needs MCP_AUTH_ISSUER/],
    [{ MCP_AUTH_ISSUER: 'http://auth.example.com' }, /MCP_AUTH_ISSUER is not a valid issuer URL \(Issuer URL must be HTTPS\)/],
    [{ MCP_AUTH_ISSUER: 'not a url' }, /MCP_AUTH_ISSUER is not a valid issuer URL/],
    [{ MCP_AUTH_ISSUER: issuer, MCP_RESOURCE_URL: 'http://mcp.example.com/mcp' }, /MCP_RESOURCE_URL must be https outside loopback/],
    [{ MCP_AUTH_ISSUER: issuer, MCP_AUTH_JWKS_URI: 'ftp://x/keys' }, /MCP_AUTH_JWKS_URI must be an http\(s\) URL/],
    [{ ...production, MCP_AUTH_ISSUER: issuer }, /MCP_RESOURCE_URL is required in production with authentication/],
  ])('rejects %j with a ConfigError naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('loadConfig: metrics', () => {
  it('writes no EMF unless MCP_METRICS=emf, and names its Service dimension from MCP_SERVICE_NAME', () => {
    expect(loadConfig({}).metrics).toEqual({ emf: false, service: 'mcp-on-aws' });
    expect(loadConfig({ MCP_METRICS: 'off' }).metrics.emf).toBe(false);
    expect(loadConfig({ MCP_METRICS: 'emf', MCP_SERVICE_NAME: 'stateless-mcp-on-ecs' }).metrics).toEqual({ emf: true, service: 'stateless-mcp-on-ecs' });
  });

  it('refuses any other MCP_METRICS value at start, naming the variable', () => {
    expect(() => loadConfig({ MCP_METRICS: 'otlp' })).toThrow(ConfigError);
    expect(() => loadConfig({ MCP_METRICS: 'EMF' })).toThrow(/MCP_METRICS must be emf or off, got "EMF"/);
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
