import { fixedClock } from '../../shared/ports/clock';
import { tableStore } from './store-table';
import { connectionString, START, tableName } from './store-table.testkit';

/**
 * A table that does not exist (provisioned under another name with createTable: false, or deleted
 * while the instance is warm), against the real Azurite table service the jest global setup
 * started. The service answers 404 TableNotFound to every entity call, where a missing entity is
 * 404 ResourceNotFound (EntityNotFound on Azure):
 * https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes
 * The store must report the missing table, not take it for a missing key or a lost race.
 */
describe('tableStore on a table that does not exist (real Azurite)', () => {
  const store = () => tableStore({ connectionString: connectionString(), table: tableName(), clock: fixedClock(START), allowInsecureConnection: true, createTable: false });
  /** The service's 404 TableNotFound, whose code a single-entity call gives in details and a transaction in code. */
  const rejectsTableNotFound = async (op: Promise<unknown>) => {
    const e = (await op.then(() => undefined, (x: unknown) => x)) as { statusCode?: number; code?: string; details?: { errorCode?: string } } | undefined;
    expect(e?.statusCode).toBe(404);
    expect(e?.code ?? e?.details?.errorCode).toBe('TableNotFound');
  };

  it('check() rejects: readiness must not pass on a store that can keep nothing', async () => {
    await rejectsTableNotFound(store().check());
  });

  it('get and delete reject instead of answering "absent"', async () => {
    const s = store();
    await rejectsTableNotFound(s.get('k'));
    await rejectsTableNotFound(s.delete('k'));
  });

  it('a conditional put rejects with the service\'s answer at once, not after six "conflicting writes"', async () => {
    const s = store();
    await rejectsTableNotFound(s.put('k', 'v', { ifAbsent: true }));
    await rejectsTableNotFound(s.put('k', 'v', { ifVersion: 'v1' }));
    await rejectsTableNotFound(s.putAll([{ key: 'a', value: '1', opts: { ifAbsent: true } }, { key: 'b', value: '2' }]));
    // No head to read (unconditional writes only): the transaction itself meets the missing table.
    await rejectsTableNotFound(s.putAll([{ key: 'a', value: '1' }, { key: 'b', delete: true }]));
  });
});
