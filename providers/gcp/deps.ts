import { cloudDeps, cloudSealer, required } from '../common/cloud-deps';
import { cloudKmsSealer } from './sealer-cloudkms';
import { once } from '../common/runtime';
import { pubsubBus } from './bus-pubsub';

/** Composition root on Cloud Functions: built once per cold start. */
export const gcpDeps = once(async () =>
  cloudDeps(
    'Google Cloud', 'gcp', () => pubsubBus({ topic: required('SECORCH_EVENTS_TOPIC', 'the deploy command (README)') }),
    (config) => cloudSealer(config, 'gcp-kms', (s) => cloudKmsSealer({ keyName: s.keyName })),
  ),
);
