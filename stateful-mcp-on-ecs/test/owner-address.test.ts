/** Where an instance tells the others to forward its sessions' requests, on Fargate and elsewhere. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ConfigError } from '@mcp-on-aws/shared';

import { fixedAddress, listeningAddress } from '../src/durable/owner-address';

/** A stand-in for the ECS task metadata endpoint (v4): `<uri>/task` answers what `answer` says. */
async function metadataEndpoint(answer: (res: import('node:http').ServerResponse) => void): Promise<{ uri: string; server: Server }> {
  const server = createServer((req, res) => (req.url === '/v4/abc/task' ? answer(res) : res.writeHead(404).end())).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v4/abc`, server };
}

const task = { Cluster: 'c', Containers: [{ Name: 'mcp', Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.3.17'] }] }] };

describe('the owner address', () => {
  it('on Fargate is the task\'s private IPv4 from the task metadata endpoint, and the container port', async () => {
    const { uri, server } = await metadataEndpoint((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(task)));
    try {
      expect(await fixedAddress({ ECS_CONTAINER_METADATA_URI_V4: uri, PORT: '8080' })).toBe('10.0.3.17:8080');
    } finally {
      server.close();
    }
  });

  it('fails the start with the reason when the metadata endpoint is set but unreadable', async () => {
    const { uri, server } = await metadataEndpoint((res) => res.writeHead(500).end());
    try {
      await expect(fixedAddress({ ECS_CONTAINER_METADATA_URI_V4: uri })).rejects.toThrow(new ConfigError(`ECS_CONTAINER_METADATA_URI_V4 is set but the task's private IPv4 could not be read from ${uri}/task: HTTP 500`));
    } finally {
      server.close();
    }
    const empty = await metadataEndpoint((res) => res.writeHead(200).end('{"Containers":[]}'));
    try {
      await expect(fixedAddress({ ECS_CONTAINER_METADATA_URI_V4: empty.uri })).rejects.toThrow(/no IPv4 address in Containers\[\]\.Networks\[\]\.IPv4Addresses/);
    } finally {
      empty.server.close();
    }
  });

  it('gives up on a metadata endpoint that does not answer, instead of hanging the start', async () => {
    const { uri, server } = await metadataEndpoint(() => {});
    try {
      const started = Date.now();
      await expect(fixedAddress({ ECS_CONTAINER_METADATA_URI_V4: uri })).rejects.toThrow(/could not be read/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('elsewhere is MCP_ADVERTISED_ADDRESS (host:port only), or else the listening address', async () => {
    expect(await fixedAddress({ MCP_ADVERTISED_ADDRESS: 'stateful-2:8080' })).toBe('stateful-2:8080');
    await expect(fixedAddress({ MCP_ADVERTISED_ADDRESS: 'http://stateful-2:8080/mcp' })).rejects.toThrow(/MCP_ADVERTISED_ADDRESS must be host:port/);
    expect(await fixedAddress({})).toBeUndefined();
    expect(listeningAddress('http://127.0.0.1:41234')).toBe('127.0.0.1:41234');
    expect(listeningAddress('http://0.0.0.0:8080')).toMatch(/^\d+\.\d+\.\d+\.\d+:8080$/);
  });
});
