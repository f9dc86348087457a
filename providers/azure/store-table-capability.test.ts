import { describeLargeValueCapabilities } from '../../shared/store/large-values.testkit';
import { tableStore } from './store-table';
import { rawClient, tableName } from './store-table.testkit';

/**
 * The capabilities that lost data on Azure while the Table store refused values over one entity
 * (about 480 Ki code units; the Storage Queue bus carries events of any size by claim-check), on
 * that store against Azurite.
 */
let table: string;
beforeEach(async () => {
  table = tableName();
  await rawClient(table).createTable();
});
afterEach(() => rawClient(table).deleteTable());

describeLargeValueCapabilities('Azure Table Storage (Azurite)', (clock) => tableStore({ client: rawClient(table), clock }), {
  bodyBytes: 1024 * 1024, eventBytes: 700 * 1000,
});
