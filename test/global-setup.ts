import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, spawnUntil } from './emulators/spawn';
import { FIXTURES } from './fixtures';

/**
 * Starts the npm-installed emulators once for the whole run, on 127.0.0.1 and free ports:
 * fauxqs (SQS + S3 protocol) and Azurite (Blob, Queue, Table, in memory). Their endpoints reach
 * the tests through environment variables; their PIDs are kept so teardown stops them.
 */
export default async function globalSetup(): Promise<void> {
  // Hundreds of tests replay the real payloads there: without them, say so once rather than
  // fail each with its own ENOENT.
  if (!existsSync(join(FIXTURES, 'SOURCES.md'))) {
    throw new Error(`The shared fixtures are not at ${FIXTURES}: the tests replay the vendor payloads and reports kept in ../shared/fixtures beside the checkout; run them from a checkout that has it`);
  }
  const root = join(__dirname, '..');
  const fauxqs = await spawnUntil(process.execPath, [join(__dirname, 'emulators/fauxqs.mjs'), '0'], /READY (\d+)/);
  process.env.SECORCH_TEST_SQS_ENDPOINT = `http://127.0.0.1:${fauxqs.match[1]}`;

  const [blob, queue, table] = await freePorts(3);
  const azurite = await spawnUntil(
    process.execPath,
    [
      join(root, 'node_modules/azurite/dist/src/azurite.js'),
      '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--loose',
      '--blobHost', '127.0.0.1', '--blobPort', String(blob),
      '--queueHost', '127.0.0.1', '--queuePort', String(queue),
      '--tableHost', '127.0.0.1', '--tablePort', String(table),
    ],
    /Azurite Table service is successfully listening/,
  );
  // The well-known development account of the Azure Storage emulators (public, documented).
  const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  process.env.SECORCH_TEST_AZURITE =
    `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};` +
    `BlobEndpoint=http://127.0.0.1:${blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${queue}/devstoreaccount1;` +
    `TableEndpoint=http://127.0.0.1:${table}/devstoreaccount1;`;

  const pids = [fauxqs.child.pid, azurite.child.pid].filter((p): p is number => typeof p === 'number');
  // Jest runs setup and teardown in one process: globals set here are read there.
  (globalThis as { __secorchEmulatorPids?: number[] }).__secorchEmulatorPids = pids;
}
