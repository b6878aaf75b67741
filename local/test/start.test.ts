/**
 * `npm start` as a new user meets it: the root README's quickstart, the banner it prints, and every
 * command in that banner run as printed (through a shell, from the repository root, with no terminal
 * on standard input), then Ctrl-C.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../haproxy';
import { connect } from '../../shared/test/support/clients';
import { root, startDetached } from './support/detached';

const run = promisify(execFile);

/** Processes whose environment carries the marker: the runner and every child it started. */
function processesMarked(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker);
      } catch {
        return false; // gone already, or not ours to read
      }
    })
    .map(Number);
}

async function waitFor(output: () => string, text: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!output().includes(text)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
    if (Date.now() > until) throw new Error(`npm start did not print "${text}" within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs one printed command as a user pastes it into a shell; stdin is closed, as in a script or CI. */
async function shell(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startDetached('sh', ['-c', command], env);
  const timer = setTimeout(() => void run.stop('SIGKILL'), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The banner's commands: its indented lines that run something. */
const commandsIn = (banner: string) => banner.split('\n').filter((line) => /^ {2}\S/.test(line) && line.includes('npm run ')).map((line) => line.trim());

/** The environment variables of a process, or nothing if it is gone. */
function isServerEntry(pid: number): boolean {
  try {
    return /(?:main|api-gateway)\.ts\0/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return false;
  }
}

function environOf(pid: number): Map<string, string> {
  try {
    const entries = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean);
    return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  } catch {
    return new Map();
  }
}

/** The banner's lines from `from` to its last, with the test's ports put back to the defaults and the column padding ignored. */
function bannerPart(output: string, from: string, ports: number[], defaults: number[]): string {
  const part = output.slice(output.indexOf(from), output.indexOf('Ctrl-C stops everything.')).trim();
  return ports.reduce((text, port, i) => text.replaceAll(`127.0.0.1:${port}`, `127.0.0.1:${defaults[i]}`), part).replace(/ +/g, ' ');
}

/** The root README's quickstart: its commands, and the banner it shows. */
function readmeQuickstart(): { commands: string; banner: string } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quickstart'));
  const [, commands] = /```bash\n([\s\S]*?)```/.exec(section)!;
  const [, banner] = /```text\n([\s\S]*?)```/.exec(section)!;
  return { commands: commands!.trim(), banner: banner!.trim() };
}

describe('npm start', () => {
  jest.setTimeout(180_000);

  it('serves all three samples; every command of its banner works as printed; the README quickstart shows that banner; Ctrl-C leaves no process behind', async () => {
    const marker = `MCP_START_SMOKE=${randomUUID()}`;
    // The printed commands carry the marker too, so the last check covers what they started.
    const markedEnv = { ...process.env, [marker.split('=')[0]!]: marker.split('=')[1] };
    const [lambda, stateless, stateful] = [await freePort(), await freePort(), await freePort()];
    // Its own process group, so the SIGINT below reaches it as a terminal's Ctrl-C does.
    const start = startDetached('npm', ['start', '--silent'], { ...markedEnv, LAMBDA_PORT: String(lambda), STATELESS_PORT: String(stateless), STATEFUL_PORT: String(stateful) });
    const { child } = start;
    let output = '';

    try {
      await waitFor(() => (output = start.stdout() + start.stderr()), 'Ctrl-C stops everything', child, 90_000);
      expect(output).toContain(`http://127.0.0.1:${lambda}/local/mcp`);
      expect(output).toContain(`http://127.0.0.1:${stateless}/mcp`);
      expect(output).toContain(`http://127.0.0.1:${stateful}/mcp`);
      expect(processesMarked(marker).length).toBeGreaterThanOrEqual(8); // npm, the runner, 1 + 3 + 3 servers

      for (const url of [`http://127.0.0.1:${lambda}/local`, `http://127.0.0.1:${stateless}`]) {
        for (const era of ['legacy', 'modern'] as const) {
          const client = await connect(url, era);
          const result = await client.callTool({ name: 'ping', arguments: {} });
          expect(result.structuredContent).toMatchObject({ pong: true, era });
          await client.close();
        }
      }

      // The README's quickstart is `npm ci && npm start`, and shows this very banner on the default ports.
      const quickstart = readmeQuickstart();
      expect(quickstart.commands).toBe('npm ci\nnpm start');
      const banner = output.slice(output.indexOf('MCP servers on loopback:'), output.indexOf('Ctrl-C stops everything.') + 'Ctrl-C stops everything.'.length);
      // The test's ports are longer than 3001-3003, so the column padding differs.
      const columns = (text: string) => text.replace(/ +/g, ' ');
      const onDefaultPorts = [lambda, stateless, stateful].reduce((text, port, i) => text.replaceAll(`127.0.0.1:${port}/`, `127.0.0.1:${3001 + i}/`), banner);
      expect(columns(quickstart.banner)).toBe(columns(onDefaultPorts));

      // Each sample's client checks what it receives and exits non-zero otherwise; they run at once,
      // one per sample. The Inspector runs one at a time: the first run may install it.
      const commands = commandsIn(banner);
      const clients = commands.filter((c) => c.includes('npm run client'));
      const inspectors = commands.filter((c) => c.includes('npm run inspector'));
      expect([clients.length, inspectors.length]).toEqual([3, 3]);
      const clientRuns = await Promise.all(clients.map((command) => shell(command, markedEnv, 60_000)));
      clientRuns.forEach((result, i) => expect({ command: clients[i], code: result.code, last: result.stdout.trim().split('\n').pop() }).toEqual({ command: clients[i], code: 0, last: expect.stringMatching(/^OK: /) }));
      expect(clientRuns[0]!.stdout).toMatch(/modern confirm_action: Not done/); // no terminal: the end of input answers "no" at once
      expect(clientRuns[1]!.stdout).toContain('legacy 6 calls answered by 3 instance(s)');
      expect(clientRuns[2]!.stdout).toMatch(/ping 5: instance \S+/);
      for (const command of inspectors) {
        const result = await shell(command, markedEnv, 120_000);
        expect({ command, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ command, code: 0, stderr: '' });
        const listed = (JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
        expect(listed).toEqual(expect.arrayContaining(['ping', 'echo', 'countdown', 'confirm_action']));
      }
    } finally {
      await start.stop('SIGINT');
    }
    const until = Date.now() + 10_000;
    while (processesMarked(marker).length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(processesMarked(marker)).toEqual([]);
  });

  it('--auth starts the authorization server first, hands every server its issuer, its own banner URL as the resource (and the Lambda one its PRM URL under the stage) and the scope, each refuses a request without a token with 401 naming a PRM that names the issuer, prints what the README shows, and Ctrl-C stops it too', async () => {
    const marker = `MCP_START_SMOKE=${randomUUID()}`;
    const [lambda, stateless, stateful, authPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = { ...process.env, [marker.split('=')[0]!]: marker.split('=')[1], LAMBDA_PORT: String(lambda), STATELESS_PORT: String(stateless), STATEFUL_PORT: String(stateful), AUTH_PORT: String(authPort) };
    const start = startDetached('npm', ['start', '--silent', '--', '--auth'], env);
    const issuer = `http://127.0.0.1:${authPort}`;
    let output = '';

    try {
      await waitFor(() => (output = start.stdout() + start.stderr()), 'Ctrl-C stops everything', start.child, 90_000);
      expect(output).toContain(`  issuer  ${issuer}\n`);
      const metadata = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json();
      expect(metadata).toMatchObject({ issuer, registration_endpoint: `${issuer}/reg`, code_challenge_methods_supported: ['S256'] });

      // Every server process got the issuer, the scope, and as its resource the URL the banner prints for its sample.
      const endpoints = [`http://127.0.0.1:${lambda}/local/mcp`, `http://127.0.0.1:${stateless}/mcp`, `http://127.0.0.1:${stateful}/mcp`];
      for (const endpoint of endpoints) expect(output).toContain(`  ${endpoint} `);
      // Server processes only: a tsx process may have an esbuild child for a moment, with the same environment.
      const servers = processesMarked(marker).filter(isServerEntry).map(environOf).filter((e) => e.has('MCP_RESOURCE_URL'));
      const perResource = Object.fromEntries(endpoints.map((endpoint) => [endpoint, servers.filter((e) => e.get('MCP_RESOURCE_URL') === endpoint).length]));
      expect(perResource).toEqual(Object.fromEntries(endpoints.map((endpoint, i) => [endpoint, i === 0 ? 1 : 3]))); // the API Gateway process runs the handler
      for (const server of servers) expect([server.get('MCP_AUTH_ISSUER'), server.get('MCP_AUTH_SCOPES')]).toEqual([issuer, 'mcp']);
      // API Gateway serves nothing above the stage: the Lambda sample's PRM is under it, as its stack says.
      const metadataUrls = servers.map((e) => [e.get('MCP_RESOURCE_URL'), e.get('MCP_RESOURCE_METADATA_URL')]).filter(([, url]) => url !== undefined);
      expect(metadataUrls).toEqual([[endpoints[0], `http://127.0.0.1:${lambda}/local/.well-known/oauth-protected-resource/mcp`]]);

      // The acceptance chain on each sample: an unauthenticated POST gets 401 naming its PRM, which names this issuer.
      for (const endpoint of endpoints) {
        const refused = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
        expect(refused.status).toBe(401);
        const prmUrl = /resource_metadata="([^"]+)"/.exec(refused.headers.get('www-authenticate') ?? '')?.[1];
        expect(prmUrl).toBeDefined();
        const prm = await fetch(prmUrl!);
        expect(prm.status).toBe(200);
        expect(await prm.json()).toMatchObject({ resource: endpoint, authorization_servers: [issuer] });
      }

      // The README's "Turn authentication on" shows this part of the banner, on the default ports.
      const readme = readFileSync(join(root, 'README.md'), 'utf8');
      const [, shown] = /```text\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### Turn authentication on')))!;
      expect(shown!.trim().replace(/ +/g, ' ')).toBe(bannerPart(output, 'Authentication is on', [lambda, stateless, stateful, authPort], [3001, 3002, 3003, 3004]));
    } finally {
      await start.stop('SIGINT');
    }
    const until = Date.now() + 10_000;
    while (processesMarked(marker).length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(processesMarked(marker)).toEqual([]);
    await expect(fetch(`${issuer}/.well-known/openid-configuration`)).rejects.toThrow();
  });

  it('names the port when it is already taken', async () => {
    const port = await freePort();
    const blocker = require('node:net').createServer().listen(port, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const result = await run(process.execPath, ['--import', 'tsx', 'local/start.ts', 'stateless-mcp-on-ecs'], {
        cwd: root,
        env: { ...process.env, STATELESS_PORT: String(port) },
      }).catch((error: { code: number; stderr: string }) => error);
      expect(result).toMatchObject({ code: 1 });
      expect((result as { stderr: string }).stderr).toContain(`port ${port} is already in use; set STATELESS_PORT to another port`);
    } finally {
      blocker.close();
    }
  });

  it('refuses an unknown sample by listing the real ones', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'local/start.ts', 'nope'], { cwd: root }).catch((error: { stderr: string }) => error);
    expect((result as { stderr: string }).stderr).toContain('unknown sample nope; choose from stateless-mcp-on-lambda, stateless-mcp-on-ecs, stateful-mcp-on-ecs (and --auth)');
  });
});
