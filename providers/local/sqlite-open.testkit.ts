import { openDatabase } from './sqlite';

/** Child process of sqlite-busy.test.ts: opens the file given as argv[2] the way every local component does. */
const db = openDatabase(process.argv[2]!);
db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)');
for (let i = 0; i < 20; i++) db.prepare('INSERT INTO t VALUES (?)').run(process.pid);
db.close();
