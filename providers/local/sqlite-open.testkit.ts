import { openDatabase, whenFree } from './sqlite';

/** Child process of sqlite-busy.test.ts: opens the file given as argv[2] and writes the way every local component does. */
const db = openDatabase(process.argv[2]!);
whenFree(db, () => db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)'));
const insert = db.prepare('INSERT INTO t VALUES (?)');
for (let i = 0; i < 20; i++) whenFree(db, () => insert.run(process.pid));
db.close();
