import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { openPool } from './pool';

const URL = `postgres://postgres@127.0.0.1:${STANDARD_PORTS.postgres}/test`;

describeWithServer('postgres', STANDARD_PORTS.postgres, 'openPool (PostgreSQL on 127.0.0.1:5432)', () => {
  const statementTimeout = async (url: string, timeouts = {}) => {
    const pool = openPool(url, timeouts);
    try {
      return (await pool.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout;
    } finally {
      await pool.end();
    }
  };

  it('asks the server for a 10 s statement_timeout by default; the option and the URL override it', async () => {
    expect(await statementTimeout(URL)).toBe('10s');
    expect(await statementTimeout(URL, { statementTimeoutMs: 2500 })).toBe('2500ms');
    // A deployment that needs another bound sets it in the URL (pg passes its query through).
    expect(await statementTimeout(`${URL}?statement_timeout=1234`)).toBe('1234ms');
  });
});
