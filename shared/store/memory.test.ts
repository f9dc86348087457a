import { fixedClock } from '../ports/clock';
import { describeStateStoreContract } from './contract.testkit';
import { memoryStore } from './memory';

describeStateStoreContract('memory', async () => {
  const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
  return { store: memoryStore(clock), clock };
});
