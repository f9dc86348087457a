import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import {
  DeleteItemCommand, DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactionCanceledException,
  TransactWriteItemsCommand, type AttributeValue, type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { createStateTable } from './store-dynamodb';

/**
 * dynalite 4.0.0, a DynamoDB protocol server, started in-process on 127.0.0.1 and a free port:
 * every GetItem, conditional PutItem, Query, BatchGetItem, BatchWriteItem and DeleteItem goes over
 * the wire and dynalite evaluates the ConditionExpressions and FilterExpressions and enforces the
 * 400 KB item limit itself. dynalite does not implement TransactWriteItems (it answers
 * UnknownOperationException), so withEmulatedTransactions emulates it at the SDK.
 */
const loadDynalite = createRequire(__filename)('dynalite') as (opts: object) => Server;

export interface Dynalite {
  client: DynamoDBClient;
  endpoint: string;
  freshTable(): Promise<string>;
  dropTable(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<Dynalite> {
  const server = loadDynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  let tables = 0;
  return {
    client,
    endpoint,
    async freshTable() {
      const name = `secorch-state-${process.pid}-${++tables}`;
      await createStateTable(client, name);
      return name;
    },
    dropTable: (name) => client.send(new DeleteTableCommand({ TableName: name })).then(() => undefined),
    async close() {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * TransactWriteItems emulated over dynalite: one transaction at a time, each Put sent as a real
 * conditional PutItem and each Delete as a DeleteItem; when one condition fails the writes
 * already made are undone from their before-images and the cancellation DynamoDB would send is
 * thrown. `sent` records every transaction's items.
 */
export function withEmulatedTransactions(real: DynamoDBClient): DynamoDBClient & { sent: TransactWriteItem[][] } {
  let queue: Promise<unknown> = Promise.resolve();
  const sent: TransactWriteItem[][] = [];
  const transact = async (items: TransactWriteItem[]) => {
    const undo: { table: string; key: Record<string, AttributeValue>; before?: Record<string, AttributeValue> }[] = [];
    for (const [i, { Put: put, Delete: del }] of items.entries()) {
      const table = (put ?? del)!.TableName!;
      const key = put ? { pk: put.Item!.pk!, sk: put.Item!.sk! } : del!.Key!;
      const before = (await real.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
      try {
        if (put) await real.send(new PutItemCommand(put));
        else await real.send(new DeleteItemCommand(del!));
      } catch (e) {
        if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
        for (const done of undo.reverse()) {
          if (done.before) await real.send(new PutItemCommand({ TableName: done.table, Item: done.before }));
          else await real.send(new DeleteItemCommand({ TableName: done.table, Key: done.key }));
        }
        throw new TransactionCanceledException({
          message: 'Transaction cancelled', $metadata: {},
          CancellationReasons: items.map((_, j) => ({ Code: j === i ? 'ConditionalCheckFailed' : 'None' })),
        });
      }
      undo.push({ table, key, before });
    }
    return {};
  };
  const send = (command: { input: unknown }) => {
    if (!(command instanceof TransactWriteItemsCommand)) return real.send(command as GetItemCommand);
    const items = command.input.TransactItems!;
    if (!items.every((t) => Object.keys(t).length === 1 && (t.Put || t.Delete))) throw new Error('emulated TransactWriteItems: Put and Delete only');
    sent.push(items);
    const run = queue.then(() => transact(items));
    queue = run.catch(() => undefined);
    return run;
  };
  return { send, sent } as unknown as DynamoDBClient & { sent: TransactWriteItem[][] };
}
