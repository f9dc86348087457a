import { coalesce } from './nudge';

test('nudges are coalesced: one in flight, one trailing nudge for everything published meanwhile', async () => {
  let sent = 0;
  let release!: () => void;
  const first = new Promise<void>((r) => (release = r));
  const nudge = coalesce(async () => {
    sent += 1;
    if (sent === 1) await first;
  }, 5);
  const a = nudge();
  for (let i = 0; i < 20; i++) await nudge();
  expect(sent).toBe(1);
  release();
  await a;
  await new Promise((r) => setTimeout(r, 50));
  expect(sent).toBe(2);
  await nudge();
  expect(sent).toBe(3);
});
