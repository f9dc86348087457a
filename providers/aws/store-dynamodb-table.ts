import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Creates the store's table (pk/sk strings, on-demand) and waits until it is ACTIVE; an existing
 * table is left as it is. Native TTL on `purgeAt` is enabled separately (UpdateTimeToLive, or
 * TimeToLiveSpecification in CloudFormation): it is garbage collection only.
 */
export async function createStateTable(client: DynamoDBClient, name: string): Promise<void> {
  const sdk = await import('@aws-sdk/client-dynamodb');
  try {
    await client.send(new sdk.CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
  } catch (e) {
    if ((e as { name?: unknown } | null)?.name !== 'ResourceInUseException') throw e;
  }
  await sdk.waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: name });
}
