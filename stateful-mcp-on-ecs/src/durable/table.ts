/**
 * The one DynamoDB table durable sessions use: partition key `pk` = `SESSION#<id>`, sort key
 * `sk` = `META`: one item per session (registry entry, settings, counter and GET-stream events),
 * so rehydration is one read and every write one fenced `UpdateItem`. The sort key leaves room
 * for more item kinds. Every item carries `expiresAt` (epoch seconds) for DynamoDB TTL; TTL
 * deletion is lazy (and dynalite never does it), so every read filters on it.
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MetricSink } from '@mcp-on-aws/shared';

export const META = 'META';
export const pk = (sessionId: string) => `SESSION#${sessionId}`;
/** Whole seconds, as DynamoDB TTL wants them: an expiry rounds up, so a session never lives less than its idle timeout. */
export const epochSeconds = (ms: number) => Math.floor(ms / 1000);
export const expirySeconds = (ms: number) => Math.ceil(ms / 1000);

export interface SessionTable {
  doc: DynamoDBDocumentClient;
  name: string;
}

/**
 * A hung or unreachable DynamoDB must not hold a request for the SDK's defaults (no request
 * timeout, three attempts): each attempt gets about 2 s and there are two, so a store failure
 * reaches the client as a 503 within about 5 s.
 */
const STORE_LIMITS = { requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true }, maxAttempts: 2 } as const;

/**
 * `endpoint` points at dynalite (or DynamoDB Local); unset, the SDK finds the region and credentials itself.
 * With `metrics`, every call's latency and failure is recorded per operation (`StoreLatency`, `StoreErrors`).
 */
export function sessionTable(name: string, endpoint?: string, client?: DynamoDBClient, metrics?: MetricSink): SessionTable {
  const local = endpoint ? { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  const raw = client ?? new DynamoDBClient({ ...STORE_LIMITS, ...local });
  if (metrics?.enabled) measureCalls(raw, metrics);
  return { doc: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }), name };
}

/** Around a whole call, its retry included: what the request waited for. */
function measureCalls(client: DynamoDBClient, metrics: MetricSink): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const dimensions = { Operation: context.commandName?.replace(/Command$/, '') ?? 'other' };
      const started = performance.now();
      try {
        return await next(args);
      } catch (error) {
        metrics.count('StoreErrors', dimensions);
        throw error;
      } finally {
        metrics.milliseconds('StoreLatency', performance.now() - started, dimensions);
      }
    },
    { step: 'initialize', name: 'storeMetrics' },
  );
}

/** Local mode only: in AWS the CDK stack owns the table. */
export async function createLocalTable({ doc, name }: SessionTable): Promise<void> {
  try {
    await doc.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    // Three local processes share one table: whoever comes second finds it there.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
