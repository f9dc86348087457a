import { fixedClock } from '../ports/clock';
import { describeObjectStorageContract } from './contract.testkit';
import { memoryObjects } from './memory';

describeObjectStorageContract('memory', async () => ({ objects: memoryObjects(fixedClock(Date.parse('2026-01-01T00:00:00Z'))), bucket: 'b' }));

describe('memoryObjects', () => {
  it('stamps lastModified from the injected clock and counts versions up', async () => {
    const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
    const objects = memoryObjects(clock);
    const a = await objects.put('b', 'k', 'x');
    clock.advance(1000);
    const b = await objects.put('b', 'k', 'y');
    expect(a.lastModified).toBe('2026-01-01T00:00:00.000Z');
    expect(b.lastModified).toBe('2026-01-01T00:00:01.000Z');
    expect(Number(b.version)).toBeGreaterThan(Number(a.version));
  });

  it('keeps its own copy of a put body', async () => {
    const objects = memoryObjects(fixedClock(0));
    const body = Uint8Array.from([1, 2, 3]);
    await objects.put('b', 'k', body);
    body[0] = 9;
    expect(Array.from((await objects.get('b', 'k'))!)).toEqual([1, 2, 3]);
  });
});
