import { cloudDeps, cloudSealer, required } from '../common/cloud-deps';
import { cloudKmsSealer } from './sealer-cloudkms';
import { refreshingRoot } from '../common/refresh';
import { configuredBus } from '../common/bus';
import { pubsubBus } from './bus-pubsub';
import { gcsObjects } from './objects-gcs';
import { cloudTasksWakeUps } from './wakeups-cloud-tasks';
import { firestoreStore } from './store-firestore';
import { gcpSecrets } from './secrets-manager';
import { systemClock } from '../../shared/ports';

/** Composition root on Cloud Functions: built once per cold start, `secret://` values re-read every secrets.ttlSeconds. */
export const gcpDeps = refreshingRoot(async () =>
  cloudDeps(
    'Google Cloud', 'gcp',
    // `bus` in the configuration, else the topic the deploy command names.
    (config) => configuredBus(config, 'Google Cloud', {
      pubsub: (b) => pubsubBus({ topic: b.projectId && !b.topic.startsWith('projects/') ? `projects/${b.projectId}/topics/${b.topic}` : b.topic }),
    }, () => pubsubBus({ topic: required('SECORCH_EVENTS_TOPIC', 'the deploy command (README)') })),
    (config) => cloudSealer(config, 'gcp-kms', (s) => cloudKmsSealer({ keyName: s.keyName, previousKeyNames: s.previousKeyNames })),
    // Punctual delivery attempts as Cloud Tasks; SECORCH_TASKS_QUEUE unset: the scheduled sweep alone.
    () => {
      const queue = process.env.SECORCH_TASKS_QUEUE;
      if (!queue) return undefined;
      return cloudTasksWakeUps({
        queue,
        url: required('SECORCH_DELIVERY_URL', 'the deploy command (README)'),
        serviceAccountEmail: required('SECORCH_TASKS_SERVICE_ACCOUNT', 'the deploy command (README)'),
        clock: systemClock,
      });
    },
    // Firestore: `store` in the configuration, or the collection the deploy command names.
    {
      native: { firestore: (s, clock) => firestoreStore({ collection: s.collection, projectId: s.projectId, databaseId: s.databaseId, clock }) },
      fallback: process.env.SECORCH_STATE_COLLECTION ? { type: 'firestore', collection: process.env.SECORCH_STATE_COLLECTION } : undefined,
      // `secrets.provider: gcp-secret-manager`; the project: config, the standard variables, else the metadata server.
      secrets: {
        'gcp-secret-manager': (s) =>
          gcpSecrets({ projectId: s.projectId || process.env.GOOGLE_CLOUD_PROJECT || process.env.GCLOUD_PROJECT || undefined, prefix: s.prefix }),
      },
      objects: () => gcsObjects({ projectId: process.env.GOOGLE_CLOUD_PROJECT || process.env.GCLOUD_PROJECT || undefined }),
      // JSON lines: Cloud Logging parses them into jsonPayload, which log-based metrics read.
      metrics: 'json',
    },
  ),
);
