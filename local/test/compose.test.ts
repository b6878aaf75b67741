/**
 * No Docker engine runs here, so docker-compose.yml is checked offline: docker-compose 1.29
 * validates it, every Dockerfile it builds lints clean, each ECS service names its own sample as
 * SAMPLE, every HAProxy config it mounts passes `haproxy -c` with the environment compose gives
 * it, and the emulator image's bundle starts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { dockerfilelintIssues } from '../../shared/test-support/dockerfile';
import { haproxyInstalled } from '../haproxy';
import { startServerProcess } from '../processes';

const root = join(__dirname, '../..');
const composeInstalled = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!composeInstalled) process.stdout.write('notice: docker-compose is not installed; compose validation skipped (CI installs it with apt)\n');
if (!haproxyInstalled()) process.stdout.write('notice: haproxy is not installed; its config check is skipped (CI installs it with apt)\n');

// The file holds no requestState key: each run brings its own, as a user does.
const env = { ...process.env, MCP_REQUEST_STATE_KEY: randomBytes(32).toString('base64') };
const resolved = () => execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: root, env, encoding: 'utf8' });

describe('docker-compose.yml', () => {
  (composeInstalled ? it : it.skip)('is valid for docker-compose 1.29', () => {
    expect(spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env, encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
  });

  it('holds no requestState key: production mode with a public key would let anyone sign a state', () => {
    const file = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    expect(file).toMatch(/MCP_REQUEST_STATE_KEY: \$\{MCP_REQUEST_STATE_KEY:\?/);
    // No base64 run long enough to be a 32-byte key.
    expect(file.match(/[A-Za-z0-9+/]{43,}={0,2}/g)).toBeNull();
  });

  (composeInstalled ? it : it.skip)('refuses to start without a key', () => {
    const { MCP_REQUEST_STATE_KEY: _, ...withoutKey } = env;
    expect(spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env: withoutKey, encoding: 'utf8' }).status).not.toBe(0);
  });

  (composeInstalled ? it : it.skip)('builds every sample from its Dockerfile, and each passes dockerfilelint', () => {
    const dockerfiles = [...new Set([...resolved().matchAll(/dockerfile: (\S+)/g)].map((m) => m[1]!))].sort();
    expect(dockerfiles).toEqual(['shared/Dockerfile', 'stateless-mcp-on-lambda/Dockerfile.local']);
    for (const dockerfile of dockerfiles) {
      expect([dockerfile, dockerfilelintIssues(join(root, dockerfile))]).toEqual([dockerfile, []]);
    }
  });

  (composeInstalled ? it : it.skip)('builds each ECS service from shared/Dockerfile with its own sample as SAMPLE', () => {
    // The resolved file lists each service as a block indented by two spaces under `services:`.
    const services = resolved().split(/^services:$/m)[1]!.split(/^  (?=\S)/m).filter(Boolean);
    const ecs = services.filter((block) => block.includes('dockerfile: shared/Dockerfile'));
    const built = ecs.map((block) => [block.match(/^[\w-]+/)![0], block.match(/^ {8}SAMPLE: (\S+)$/m)?.[1], block.match(/^ {4}image: (\S+)$/m)?.[1]]);
    expect(built.sort()).toEqual(
      ['stateful-1', 'stateful-2', 'stateful-3', 'stateless-1', 'stateless-2', 'stateless-3'].map((name) => {
        const sample = `${name.split('-')[0]}-mcp-on-ecs`;
        return [name, sample, `mcp-on-aws/${sample}`];
      }),
    );
  });

  (composeInstalled ? it : it.skip)('keeps the stateful sessions in DynamoDB Local, as the stack keeps them in DynamoDB', () => {
    const config = resolved();
    expect(config).toContain('image: amazon/dynamodb-local');
    expect(config.match(/MCP_DYNAMODB_ENDPOINT: http:\/\/dynamodb:8000/g)).toHaveLength(3);
    expect(config.match(/MCP_SESSION_TABLE: mcp-sessions/g)).toHaveLength(3);
  });

  (composeInstalled && haproxyInstalled() ? it : it.skip)('mounts the same HAProxy configs the tests use, and each is valid with its environment', () => {
    const configs = [...resolved().matchAll(/- (\S+\.cfg):\/usr\/local\/etc\/haproxy\/haproxy\.cfg:ro/g)].map((m) => m[1]!);
    expect(configs.map((c) => c.slice(root.length + 1)).sort()).toEqual(['local/haproxy/round-robin.cfg', 'local/haproxy/sticky.cfg']);
    for (const config of configs) {
      expect(existsSync(config)).toBe(true);
      const env = { ...process.env, LB_BIND: '127.0.0.1:3002', LB_CHECK_INTER: '2s', BACKEND_1: '127.0.0.1:8081', BACKEND_2: '127.0.0.1:8082', BACKEND_3: '127.0.0.1:8083' };
      const check = spawnSync('haproxy', ['-c', '-q', '-f', config], { env, encoding: 'utf8' });
      expect([config, check.status, check.stderr]).toEqual([config, 0, '']);
    }
  });

  it('runs the Lambda sample through an emulator bundle that starts in production mode', async () => {
    execFileSync('npm', ['run', 'build:local', '--workspace', 'stateless-mcp-on-lambda'], { cwd: root, stdio: 'ignore' });
    const api = await startServerProcess(join(root, 'stateless-mcp-on-lambda/dist/local.js'), {
      NODE_ENV: 'production',
      MCP_ALLOWED_HOSTS: '127.0.0.1',
      MCP_REQUEST_STATE_KEY: Buffer.alloc(32, 7).toString('base64'),
      MCP_AUTH: 'none', // as docker-compose.yml sets it
    });
    try {
      const response = await fetch(`${api.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ping', arguments: {} } }),
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('"pong":true');
    } finally {
      await api.stop();
    }
  });
});
