import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../emulators/spawn';
import { fixturePath } from '../fixtures';
import { output, sleep, startServer, stopServer, until, waitHealthy } from './server';

/**
 * The local walk-through, through the real `npm start`: a Trivy report copied into
 * $SECORCH_DATA_DIR/inbox/ while the server runs becomes finding events in the configured
 * destination within 5 s, and the same report copied again adds none. The inbox worker that
 * `npm start` spawns watches the folder; findings go over the SQLite bus through the router to
 * the file destination of the demo configuration.
 */
const REPORT = fixturePath('scanner/trivy-alpine-310.json');
/** parseReport's count for this report (functions/storage-ingest/ingest.testkit.ts). */
const FINDINGS = 4;

describe('npm start: reports copied into the inbox', () => {
  let child: ChildProcess;
  let logs: () => string;
  let dataDir: string;
  const events = () =>
    existsSync(join(dataDir, 'events.jsonl'))
      ? readFileSync(join(dataDir, 'events.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; type: string; subject?: string })
      : [];
  const findings = () => events().filter((e) => e.type.startsWith('secorch.finding.'));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'secorch-e2e-ingest-'));
    const [port, lambdaPort] = await freePorts(2);
    child = startServer({ PORT: String(port), SECORCH_LAMBDA_PORT: String(lambdaPort), SECORCH_DATA_DIR: dataDir, SECORCH_CONFIG: join(__dirname, '../../secorch.yaml') });
    logs = output(child);
    await waitHealthy(`http://127.0.0.1:${port}`, logs);
  }, 90000);

  afterAll(async () => {
    await stopServer(child);
  });

  test('a Trivy report becomes its findings within 5 s; the same file again adds none', async () => {
    const inbox = join(dataDir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    copyFileSync(REPORT, join(inbox, 'alpine.json'));
    const copied = Date.now();
    const got = await until(() => (findings().length >= FINDINGS ? findings() : undefined), 5000, () => `${FINDINGS} findings in events.jsonl\n${logs()}`);
    console.log(`findings in the destination ${Date.now() - copied} ms after the copy`);
    expect(got).toHaveLength(FINDINGS);
    expect(new Set(got.map((e) => e.subject)).size).toBe(FINDINGS);
    const completed = () => events().filter((e) => e.type === 'secorch.system.ingest.completed');
    await until(() => (completed().length === 1 ? true : undefined), 5000, 'the ingest.completed event');

    // The same content under another name: handled (moved out of the inbox), nothing new published.
    writeFileSync(join(inbox, 'alpine-again.json'), readFileSync(REPORT));
    await until(() => (existsSync(join(inbox, '.processed', 'alpine-again.json')) ? true : undefined), 10000, () => `alpine-again.json processed\n${logs()}`);
    await sleep(1500); // what the router would still deliver
    expect(findings()).toHaveLength(FINDINGS);
    expect(readdirSync(inbox).filter((f) => !f.startsWith('.'))).toEqual([]);
  }, 30000);
});
