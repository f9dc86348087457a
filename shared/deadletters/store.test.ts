import { testDeps } from '../../test/deps';
import { keys } from '../delivery/keys';
import { MAX_SPLIT_VALUE_BYTES } from '../store/split-values';
import { type DeadLetter, deleteDeadLetter, encodeBody, getDeadLetter, keepDeadLetter, listDeadLetters, listDeadLetterSummaries, markReplayed, rawBody } from './store';

const reason = { code: 'publish_failed', message: 'bus down' };

describe('inbound dead-letter store', () => {
  test('keeps a record under the tenant with a time-ordered id, the retention TTL and replays 0', async () => {
    const { deps, clock } = testDeps();
    const kept = await keepDeadLetter(deps, { tenant: 'acme', kind: 'webhook', source: 'github', reason, body: new TextEncoder().encode('{"a":1}') });
    expect(kept).toMatchObject({ tenant: 'acme', kind: 'webhook', source: 'github', body: '{"a":1}', encoding: 'utf8', replays: 0, receivedAt: '2026-01-01T00:00:00.000Z' });
    expect(kept.id).toMatch(/^dlq_[0-9A-Z]{26}$/);
    const item = await deps.store.get(keys.deadLetter('acme', kept.id));
    expect(item?.expiresAt).toBe(clock.now() + 30 * 86400 * 1000);
    expect(await getDeadLetter(deps, 'globex', kept.id)).toBeUndefined();
    expect((await getDeadLetter(deps, 'acme', kept.id))?.record).toEqual(kept);
  });

  test('a reason quoting a credential URL or a connection string is kept without the secret (the API shows reasons)', async () => {
    const { deps } = testDeps();
    const message = 'archive put failed: https://acct.blob.core.windows.net/c/k?sv=2024-01-01&sig=SECRETSIG123 (AccountKey=SECRETKEY==;EndpointSuffix=core.windows.net)';
    const kept = await keepDeadLetter(deps, { tenant: 'acme', kind: 'event', reason: { code: 'destination_failed', message }, body: '{}' });
    const stored = (await getDeadLetter(deps, 'acme', kept.id))!.record;
    expect(stored.reason.code).toBe('destination_failed');
    expect(stored.reason.message).toContain('https://acct.blob.core.windows.net/c/k?sv=2024-01-01&sig=[redacted]');
    expect(stored.reason.message).not.toMatch(/SECRETSIG123|SECRETKEY/);
  });

  test('a long reason is redacted before it is cut: a credential at the cut keeps none of itself', async () => {
    const { deps } = testDeps();
    // The token straddles the 500th character: cut first, its head would no longer look like a Slack token.
    const token = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
    const message = `${'x'.repeat(480)} slack said: ${token} and more`;
    const kept = await keepDeadLetter(deps, { tenant: 'acme', kind: 'event', reason: { code: 'destination_failed', message }, body: '{}' });
    const stored = (await getDeadLetter(deps, 'acme', kept.id))!.record;
    expect(stored.reason.message.length).toBeLessThanOrEqual(500);
    expect(stored.reason.message).not.toContain('xoxb-1234');
  });

  test('a webhook failing again (same delivery id or signature, same body) counts on its record: latest reason, renewed retention', async () => {
    const { deps, clock } = testDeps();
    const delivery = { tenant: 'acme', kind: 'webhook' as const, source: 'github', deliveryId: 'd-1', body: '{"a":1}' };
    const first = await keepDeadLetter(deps, { ...delivery, reason });
    expect(first.failures).toBe(1);
    clock.advance(3_600_000);
    const again = await keepDeadLetter(deps, { ...delivery, reason: { code: 'mapping_failed', message: 'boom' } });
    expect(again).toMatchObject({ id: first.id, failures: 2, reason: { code: 'mapping_failed', message: 'boom' }, lastFailedAt: '2026-01-01T01:00:00.000Z', receivedAt: first.receivedAt });
    expect((await getDeadLetter(deps, 'acme', first.id))?.record).toEqual(again);
    expect((await deps.store.get(keys.deadLetter('acme', first.id)))?.expiresAt).toBe(clock.now() + 30 * 86400 * 1000);
    expect((await listDeadLetters(deps, 'acme')).items).toHaveLength(1);

    // A signature stands for the id where a scheme has none.
    const signed = { tenant: 'acme', kind: 'webhook' as const, source: 'shop', signature: 'c2ln', body: '{"b":2}' };
    const s1 = await keepDeadLetter(deps, { ...signed, reason });
    expect((await keepDeadLetter(deps, { ...signed, reason })).id).toBe(s1.id);
    expect((await listDeadLetters(deps, 'acme')).items).toHaveLength(2);
  });

  test('another body, another delivery id, source or tenant, or a webhook without identity is a record of its own', async () => {
    const { deps } = testDeps();
    const base = { tenant: 'acme', kind: 'webhook' as const, source: 'github', deliveryId: 'd-1', body: '{"a":1}', reason };
    const variants = [
      base, { ...base, body: '{"a":2}' }, { ...base, deliveryId: 'd-2' }, { ...base, source: 'gitlab' }, { ...base, tenant: 'globex' },
      // A credential scheme without an id configured: two identical bodies may be two deliveries.
      { ...base, deliveryId: undefined }, { ...base, deliveryId: undefined },
    ];
    const ids = new Set<string>();
    for (const v of variants) ids.add((await keepDeadLetter(deps, v)).id);
    expect(ids.size).toBe(variants.length);
  });

  test('a redelivered event (same body) counts on its record; once discarded, the next failure makes a new one', async () => {
    const { deps } = testDeps();
    const poison = { tenant: 'acme', kind: 'event' as const, reason: { code: 'invalid_event', message: 'Not a CloudEvent' }, body: 'not json' };
    const first = await keepDeadLetter(deps, poison);
    expect((await keepDeadLetter(deps, poison))).toMatchObject({ id: first.id, failures: 2 });
    await deleteDeadLetter(deps, 'acme', first.id);
    const fresh = await keepDeadLetter(deps, poison);
    expect(fresh.id).not.toBe(first.id);
    expect(fresh.failures).toBe(1);
    expect((await keepDeadLetter(deps, poison))).toMatchObject({ id: fresh.id, failures: 2 });
    expect((await listDeadLetters(deps, 'acme')).items.map((i) => i.record.id)).toEqual([fresh.id]);
  });

  test('retention follows deliveries.retentionDays', async () => {
    const { deps, clock } = testDeps({ deliveries: { retentionDays: 2 } });
    const kept = await keepDeadLetter(deps, { tenant: 'acme', kind: 'event', reason, body: 'x' });
    expect((await deps.store.get(keys.deadLetter('acme', kept.id)))?.expiresAt).toBe(clock.now() + 2 * 86400 * 1000);
  });

  test('bodies that are not valid UTF-8 are kept as base64 and restored byte for byte; a BOM survives', () => {
    const binary = new Uint8Array([0xff, 0x00, 0xc3, 0x28, 0x7b]);
    expect(encodeBody(binary).encoding).toBe('base64');
    expect(rawBody(encodeBody(binary))).toEqual(binary);
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
    expect(encodeBody(bom).encoding).toBe('utf8');
    expect(rawBody(encodeBody(bom))).toEqual(bom);
  });

  test('a text body JSON would inflate (control characters) is stored as base64 within what the cloud stores hold, and read back as the same text', async () => {
    const { deps } = testDeps();
    const body = new Uint8Array(1024 * 1024).fill(0x01); // valid UTF-8; JSON escapes each byte as \u0001
    const kept = await keepDeadLetter(deps, { tenant: 'acme', kind: 'webhook', source: 'tool', reason, body });
    const stored = (await deps.store.get(keys.deadLetterBody('acme', kept.id)))!.value;
    expect(Buffer.byteLength(stored)).toBeLessThan(1.34 * 1024 * 1024);
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(MAX_SPLIT_VALUE_BYTES);
    const read = (await getDeadLetter(deps, 'acme', kept.id))!.record;
    expect(read.encoding).toBe('utf8');
    expect(Buffer.from(rawBody(read)).equals(Buffer.from(body))).toBe(true);

    // Text without escapes stays a JSON string; non-ASCII text too (base64 would be longer).
    for (const text of ['{"a":1}', 'café ✓ 警告', 'a"b\\c\n']) {
      const k = await keepDeadLetter(deps, { tenant: 'acme', kind: 'event', reason, body: text });
      expect(JSON.parse((await deps.store.get(keys.deadLetterBody('acme', k.id)))!.value)).toBe(text);
      expect((await getDeadLetter(deps, 'acme', k.id))!.record.body).toBe(text);
    }
  });

  test('lists oldest first per tenant with a continuation key; replays are counted keeping the expiry; delete removes', async () => {
    const { deps, clock } = testDeps();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await keepDeadLetter(deps, { tenant: 'acme', kind: 'event', reason, body: String(i) })).id);
      clock.advance(1000);
    }
    await keepDeadLetter(deps, { tenant: 'globex', kind: 'event', reason, body: 'other' });
    const first = await listDeadLetters(deps, 'acme', { limit: 2 });
    expect(first.items.map((i) => i.record.id)).toEqual(ids.slice(0, 2));
    const rest = await listDeadLetters(deps, 'acme', { limit: 2, after: first.next });
    expect(rest.items.map((i) => i.record.id)).toEqual(ids.slice(2));
    expect(rest.next).toBeUndefined();

    const before = await deps.store.get(keys.deadLetter('acme', ids[0]!));
    expect(await markReplayed(deps, 'acme', ids[0]!)).toBe(true);
    const after = await getDeadLetter(deps, 'acme', ids[0]!);
    expect(after?.record).toMatchObject({ replays: 1, lastReplayAt: new Date(clock.now()).toISOString() });
    expect(after?.expiresAt).toBe(before?.expiresAt);
    expect(await markReplayed(deps, 'acme', 'dlq_nope')).toBe(false);

    await deleteDeadLetter(deps, 'acme', ids[0]!);
    expect(await getDeadLetter(deps, 'acme', ids[0]!)).toBeUndefined();
  });

  test('the body is kept apart from the record, a minute longer; summaries list without it; delete removes both', async () => {
    const { deps, clock } = testDeps();
    const kept = await keepDeadLetter(deps, { tenant: 'acme', kind: 'webhook', source: 'github', deliveryId: 'd-1', reason, body: '{"big":true}', headers: { 'content-type': 'application/json' } });
    const head = await deps.store.get(keys.deadLetter('acme', kept.id));
    const body = await deps.store.get(keys.deadLetterBody('acme', kept.id));
    expect(JSON.parse(head!.value)).not.toHaveProperty('body');
    expect(JSON.parse(body!.value)).toBe('{"big":true}');
    expect(body!.expiresAt).toBe(head!.expiresAt! + 60_000);

    const { items } = await listDeadLetterSummaries(deps, 'acme');
    const { body: _body, ...summary } = kept;
    expect(items.map((i) => i.summary)).toEqual([summary]);

    // A repeat renews both.
    clock.advance(86_400_000);
    await keepDeadLetter(deps, { tenant: 'acme', kind: 'webhook', source: 'github', deliveryId: 'd-1', reason, body: '{"big":true}' });
    expect((await deps.store.get(keys.deadLetter('acme', kept.id)))!.expiresAt).toBe(clock.now() + 30 * 86400 * 1000);
    expect((await deps.store.get(keys.deadLetterBody('acme', kept.id)))!.expiresAt).toBe(clock.now() + 30 * 86400 * 1000 + 60_000);

    await deleteDeadLetter(deps, 'acme', kept.id);
    expect(await deps.store.get(keys.deadLetter('acme', kept.id))).toBeUndefined();
    expect(await deps.store.get(keys.deadLetterBody('acme', kept.id))).toBeUndefined();
  });

  test('a record kept with its body inline reads and replays as before; its next failure moves the body out', async () => {
    const { deps, clock } = testDeps();
    const poison = { tenant: 'acme', kind: 'event' as const, reason, body: 'not json' };
    // Kept as records were before bodies moved out: whole, under its key, and indexed.
    const kept = await keepDeadLetter(deps, poison);
    const old: DeadLetter = { ...kept };
    await deps.store.put(keys.deadLetter('acme', kept.id), JSON.stringify(old), { ttlSeconds: 86400 });
    await deps.store.delete(keys.deadLetterBody('acme', kept.id));
    expect((await getDeadLetter(deps, 'acme', kept.id))?.record).toEqual(old);
    expect((await listDeadLetterSummaries(deps, 'acme')).items[0]!.summary).not.toHaveProperty('body');
    expect(await markReplayed(deps, 'acme', kept.id)).toBe(true);
    expect((await getDeadLetter(deps, 'acme', kept.id))?.record).toMatchObject({ body: 'not json', replays: 1 });

    clock.advance(1000);
    expect(await keepDeadLetter(deps, poison)).toMatchObject({ id: kept.id, failures: 2, body: 'not json' });
    expect(JSON.parse((await deps.store.get(keys.deadLetter('acme', kept.id)))!.value)).not.toHaveProperty('body');
    expect((await getDeadLetter(deps, 'acme', kept.id))?.record).toMatchObject({ body: 'not json', replays: 1, failures: 2 });
    expect((await listDeadLetters(deps, 'acme')).items.map((i) => i.record.body)).toEqual(['not json']);
  });
});
