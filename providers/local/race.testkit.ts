import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `processes` copies of sqlite-race.fixture.ts against one database file, starts them
 * together once all are ready, and returns what each one won. Real OS processes, not connections
 * in one thread: only they can interleave inside SQLite's locking.
 */
export async function raceProcesses(processes: number, args: string[]): Promise<string[][]> {
  const fixture = join(__dirname, 'sqlite-race.fixture.ts');
  const children = Array.from({ length: processes }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { cwd: join(__dirname, '../..') });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.includes('ready\n') && resolve());
      child.on('exit', (code) => reject(new Error(`racer exited (${code}) before ready: ${err}`)));
    });
    const done = new Promise<string[]>((resolve, reject) => {
      // 'close', not 'exit': 'exit' can come before the last stdout chunk has been read.
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`racer exited with ${code}: ${err}`));
        resolve(JSON.parse(out.slice(out.indexOf('ready\n') + 6)) as string[]);
      });
    });
    done.catch(() => {}); // reported through Promise.all below; not an unhandled rejection first
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.write('go\n');
  return Promise.all(children.map((c) => c.done));
}
