/**
 * The one DynamoDB table durable sessions use: partition key `pk` = `SESSION#<id>`, sort key
 * `sk` = `META` (registry entry, settings and counter on one item, so rehydration is one read)
 * or `EVENT#<seq>` (one GET-stream event). Every item carries `expiresAt` (epoch seconds) for
 * DynamoDB TTL; TTL deletion is lazy (and dynalite never does it), so every read filters on it.
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';

export const META = 'META';
export const pk = (sessionId: string) => `SESSION#${sessionId}`;
/** Zero-padded so the string sort order of `sk` is the numeric order of events. */
export const eventSk = (seq: number) => `EVENT#${String(seq).padStart(12, '0')}`;
export const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export interface SessionTable {
  doc: DynamoDBDocumentClient;
  name: string;
}

/** `endpoint` points at dynalite (or DynamoDB Local); unset, the SDK finds the region and credentials itself. */
export function sessionTable(name: string, endpoint?: string, client?: DynamoDBClient): SessionTable {
  const raw = client ?? new DynamoDBClient(endpoint ? { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
  return { doc: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }), name };
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

/** Deletes every item of a session (registry entry and events): DELETE ends a session everywhere. */
export async function deleteSessionItems({ doc, name }: SessionTable, sessionId: string): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ TableName: name, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk(sessionId) }, ProjectionExpression: 'pk, sk', ExclusiveStartKey: start }));
    const keys = page.Items ?? [];
    for (let i = 0; i < keys.length; i += 25) {
      const batch = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      await doc.send(new BatchWriteCommand({ RequestItems: { [name]: batch } }));
    }
    start = page.LastEvaluatedKey;
  } while (start);
}
