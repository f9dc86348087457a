import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describeLargeValueCapabilities } from '../../shared/store/large-values.testkit';
import { dynamoStore } from './store-dynamodb';
import { type Dynalite, startDynalite, withEmulatedTransactions } from './store-dynamodb.testkit';

/**
 * The capabilities that lost data on AWS while the DynamoDB store refused values over its 400 KB
 * item limit (the SQS bus carries up to 1 MiB), on that store: dynalite, TransactWriteItems
 * emulated at the SDK.
 */
let dyn: Dynalite;
let client: DynamoDBClient;
let table: string;
beforeAll(async () => {
  dyn = await startDynalite();
  client = dyn.client;
});
afterAll(() => dyn.close());
beforeEach(async () => {
  table = await dyn.freshTable();
});
afterEach(() => dyn.dropTable(table));

describeLargeValueCapabilities('DynamoDB (dynalite)', (clock) => dynamoStore({ table, client: withEmulatedTransactions(client), clock }), {
  bodyBytes: 600 * 1024, eventBytes: 600 * 1024,
});
