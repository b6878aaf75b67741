/**
 * Which stores hold session state, chosen by the environment: `MCP_SESSION_TABLE` selects
 * DynamoDB (durable sessions); unset keeps everything in this process. `MCP_DYNAMODB_ENDPOINT`
 * (dynalite or DynamoDB Local) is local mode, the only mode that creates the table.
 */
import type { Instance } from '@mcp-on-aws/shared';

import { DurableSessions } from './dynamo/durable-sessions';
import { DynamoEventLog, splitEventLog } from './dynamo/event-log';
import { SessionRegistry } from './dynamo/registry';
import { createLocalTable, sessionTable, type SessionTable } from './dynamo/table';
import { MemoryCounter, MemoryEventLog } from './memory-stores';
import type { SessionConfig } from './session-config';
import type { SessionStores } from './sessions';

export function memoryStores(sessionConfig: SessionConfig): SessionStores {
  return { events: new MemoryEventLog(sessionConfig.maxEventsPerSession), counter: new MemoryCounter() };
}

export function dynamoStores(table: SessionTable, sessionConfig: SessionConfig, instance: Instance): SessionStores {
  // A session expires after the idle timeout, like an in-memory one; its events never outlive it by much.
  const ttlMs = sessionConfig.idleTimeoutMs;
  const durable = new DurableSessions(new SessionRegistry(table, instance.id, ttlMs, sessionConfig.maxEventsPerSession));
  const events = splitEventLog(new DynamoEventLog(durable), new MemoryEventLog(sessionConfig.maxEventsPerSession));
  return { events, counter: durable, registry: durable };
}

export async function storesFromEnv(sessionConfig: SessionConfig, instance: Instance, env: NodeJS.ProcessEnv = process.env): Promise<SessionStores> {
  const name = env.MCP_SESSION_TABLE;
  if (!name) return memoryStores(sessionConfig);
  const table = sessionTable(name, env.MCP_DYNAMODB_ENDPOINT || undefined);
  if (env.MCP_DYNAMODB_ENDPOINT) await createLocalTable(table);
  return dynamoStores(table, sessionConfig, instance);
}
