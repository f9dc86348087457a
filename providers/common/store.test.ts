import { compileConfig } from '../../shared/config/compile';
import { fixedClock } from '../../shared/ports';
import { memoryStore } from '../../shared/store/memory';
import { describeWithServer } from '../../test/support/local-servers';
import { cloudStore } from './store';

/** Which state store a cloud deployment gets from its configuration and its provider's defaults. */
const config = (store?: unknown) => compileConfig(store === undefined ? {} : { store }, {});

test('memory when nothing names a store, with a warning that says what is lost', () => {
  const warnings: string[] = [];
  const store = cloudStore(config(), 'AWS', {}, undefined, (m) => warnings.push(m));
  expect(typeof store.putAll).toBe('function');
  expect(warnings.join()).toMatch(/memory on AWS.*last only as long as this instance/);
});

test("the provider's default store when the configuration sets none; the configuration wins otherwise", () => {
  const made: string[] = [];
  const native = { dynamodb: () => (made.push('dynamodb'), memoryStore(fixedClock(0))) };
  cloudStore(config(), 'AWS', native, { type: 'dynamodb', table: 't' });
  expect(made).toEqual(['dynamodb']);
  cloudStore(config({ type: 'memory' }), 'AWS', native, { type: 'dynamodb', table: 't' });
  expect(made).toEqual(['dynamodb']);
});

test("another cloud's store is a configuration error naming the key", () => {
  expect(() => cloudStore(config({ type: 'firestore', collection: 'c' }), 'AWS', {})).toThrow(/store type "firestore" is not available on AWS/);
});

describeWithServer('redis', 6379, 'a self-hosted store from the configuration', () => {
  test('store: { type: redis } reaches the server', async () => {
    const store = cloudStore(config({ type: 'redis', url: 'redis://127.0.0.1:6379', prefix: `secorch-test:cloudstore:${process.pid}:` }), 'AWS');
    await store.check();
    expect(await store.put('k', 'v')).toBe(true);
    expect((await store.get('k'))?.value).toBe('v');
    await store.delete('k');
    await (store as { close?: () => Promise<void> }).close?.();
  });
});
