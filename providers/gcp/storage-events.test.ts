import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { storageIngest } from '../../functions/storage-ingest/handler';
import { INVALID_SARIF, ingestDeps, REPORT_FINDINGS } from '../../functions/storage-ingest/ingest.testkit';
import { fixtureBytes, fixtureJson } from '../../test/fixtures';
import { gcpStorage } from './storage-events';

/**
 * The real Cloud Storage CloudEvents from googleapis/google-cloudevents (../shared/fixtures/events)
 * pushed through the real functions-framework server in structured mode (the whole event) and
 * binary mode (the StorageObjectData as the body, attributes as ce-* headers), with real scanner
 * reports stored under the bucket and object each event names.
 */
const TRIVY = 'scanner/trivy-secrets.json';
let t = ingestDeps();
functions.cloudEvent('storageIngest', gcpStorage(storageIngest, async () => t.deps));
beforeEach(() => {
  t = ingestDeps();
});

const structured = () => request(getTestServer('storageIngest')).post('/').set('content-type', 'application/cloudevents+json')
  .send(fixtureBytes('events/gcp-cloudevent-structured-storage-object-finalized.json').toString('utf8'));
const binary = (file: string) => request(getTestServer('storageIngest')).post('/').set({
  'ce-specversion': '1.0',
  'ce-type': 'google.cloud.storage.object.v1.finalized',
  'ce-source': '//storage.googleapis.com/projects/_/buckets/sample-bucket',
  'ce-id': '1234567',
  'ce-time': '2020-04-23T07:38:57.230Z',
  'content-type': 'application/json',
}).send(fixtureBytes(`events/${file}`).toString('utf8'));

describe('gcpStorage (real functions-framework, real Cloud Storage events) + storage-ingest', () => {
  test('structured mode: findings published and 204; a redelivery publishes nothing new', async () => {
    await t.put('sample-bucket', 'MyFile', TRIVY);
    expect((await structured()).status).toBe(204);
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
    const count = t.bus.events.length;
    expect((await structured()).status).toBe(204);
    expect(t.bus.events).toHaveLength(count);
  });

  test('binary mode (simple): the object name with a folder is read', async () => {
    await t.put('sample-bucket', 'folder/Test.cs', TRIVY);
    expect((await binary('gcp-cloudevent-binary-data-storage-object-simple.json')).status).toBe(204);
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
    expect(t.findings()[0]).toMatchObject({ source: '//storage/sample-bucket', origin: 'storage:sample-bucket' });
  });

  test('binary mode (complex): an invalid SARIF is quarantined with a failed event, acknowledged', async () => {
    await t.put('sample-bucket', 'MyFile', INVALID_SARIF);
    expect((await binary('gcp-cloudevent-binary-data-storage-object-complex.json')).status).toBe(204);
    expect(t.system('failed')[0]!.data).toMatchObject({ code: 'report_invalid' });
    expect([...t.objects.buckets.get('sample-bucket')!.keys()]).toEqual(['quarantine/MyFile']);
  });

  test('a transient failure answers an error status so Eventarc redelivers; the retry completes', async () => {
    await t.put('sample-bucket', 'MyFile', TRIVY);
    t.bus.failAt(1);
    expect((await structured()).status).toBeGreaterThanOrEqual(500);
    expect((await structured()).status).toBe(204);
    expect(new Set(t.findings().map((e) => e.id)).size).toBe(REPORT_FINDINGS[TRIVY]);
  });

  test('a storage event of another type is acknowledged without reading anything', async () => {
    const event = fixtureJson<Record<string, unknown>>('events/gcp-cloudevent-structured-storage-object-finalized.json');
    const res = await request(getTestServer('storageIngest')).post('/').set('content-type', 'application/cloudevents+json')
      .send(JSON.stringify({ ...event, type: 'google.cloud.storage.object.v1.deleted' }));
    expect(res.status).toBe(204);
    expect(t.bus.events).toEqual([]);
  });
});
