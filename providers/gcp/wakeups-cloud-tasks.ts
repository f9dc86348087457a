import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/tasks';
import type { Clock, WakeUp, WakeUps } from '../../shared/ports';
import { type GaxCallOptions, gaxCallOptions, type GcpTimeouts } from './client-options';

type ICreateTaskRequest = protos.google.cloud.tasks.v2.ICreateTaskRequest;

/** The one CloudTasksClient method used (tests inject a fake). */
export interface TasksClient {
  createTask(request: ICreateTaskRequest, options?: GaxCallOptions): Promise<[protos.google.cloud.tasks.v2.ITask, ...unknown[]]>;
}

export interface CloudTasksWakeUpsOptions extends GcpTimeouts {
  /** `projects/<p>/locations/<l>/queues/<q>` */
  queue: string;
  /** The webhookDeliveryWakeUp function's URL (also the OIDC audience). */
  url: string;
  /** The service account Cloud Tasks signs the OIDC token as (needs run.invoker on the function). */
  serviceAccountEmail: string;
  clock: Clock;
  client?: TasksClient;
}

/**
 * Cloud Tasks takes a schedule time up to 30 days ahead; a minute's margin for clock skew.
 * https://cloud.google.com/tasks/docs/quotas
 */
export const MAX_AHEAD_SECONDS = 30 * 24 * 3600 - 60;
/** gRPC ALREADY_EXISTS: a task with this name exists or ran recently (deduplication). */
const ALREADY_EXISTS = 6;

/**
 * The task's name: a hash of (tenant, delivery, due time, schedule time), so scheduling the same
 * wake-up twice makes one task (Cloud Tasks refuses the second name with ALREADY_EXISTS for up to
 * days after the first ran). The schedule time is in it only so a wake-up capped at 30 days and
 * sent on when it arrives early gets a new name. A hash, not the ids, spreads names over
 * Cloud Tasks' key space: https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks#Task.FIELDS.name
 */
export const taskName = (queue: string, due: WakeUp, scheduleSeconds: number): string =>
  `${queue}/tasks/${createHash('sha256').update(JSON.stringify([due.tenant, due.id, due.at, scheduleSeconds])).digest('hex')}`;

/**
 * Wake-ups as Cloud Tasks HTTP tasks that POST `{ at, tenant, id }` to the wake-up function with
 * an OIDC token, at the attempt's due time. Errors other than ALREADY_EXISTS reject: the engine logs.
 */
export function cloudTasksWakeUps(opts: CloudTasksWakeUpsOptions): WakeUps {
  let client: Promise<TasksClient> | undefined;
  const tasks = (): Promise<TasksClient> => {
    client ??= opts.client
      ? Promise.resolve(opts.client)
      : import('@google-cloud/tasks').then(({ CloudTasksClient }) => new CloudTasksClient() as unknown as TasksClient).catch((e: unknown) => {
        client = undefined;
        throw e;
      });
    return client;
  };
  return {
    async schedule(due: WakeUp) {
      const nowSeconds = Math.floor(opts.clock.now() / 1000);
      const seconds = Math.min(Math.ceil(due.at / 1000), nowSeconds + MAX_AHEAD_SECONDS);
      const body = Buffer.from(JSON.stringify({ at: due.at, tenant: due.tenant, id: due.id }), 'utf8').toString('base64');
      try {
        await (await tasks()).createTask({
          parent: opts.queue,
          task: {
            name: taskName(opts.queue, due, seconds),
            scheduleTime: { seconds },
            httpRequest: {
              url: opts.url,
              httpMethod: 'POST',
              body,
              headers: { 'Content-Type': 'application/json' },
              oidcToken: { serviceAccountEmail: opts.serviceAccountEmail },
            },
          },
        }, gaxCallOptions(opts));
      } catch (e) {
        if ((e as { code?: unknown } | null)?.code === ALREADY_EXISTS) return;
        throw e;
      }
    },
  };
}
