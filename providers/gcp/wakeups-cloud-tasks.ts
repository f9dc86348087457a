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
const alreadyExists = (e: unknown) => (e as { code?: unknown } | null)?.code === ALREADY_EXISTS;

/**
 * A taken name whose schedule time is no further ahead than this is taken by the task running now.
 * Cloud Tasks keeps a name while its task runs and for about an hour after (days for queue.yaml
 * queues), and the wake-up function re-arms the very task it runs when that task came early by
 * its clock (functions/webhook-delivery): the same wake-up, so the same name. Further ahead, the
 * name is a pending task for this wake-up that will still run. Clocks that disagree by more than
 * this leave the re-armed wake-up to the minute sweep.
 */
export const RE_ARM_WINDOW_MS = 30_000;

/**
 * The task's name: a hash of (tenant, delivery, due time, schedule time), so scheduling the same
 * wake-up twice makes one task (Cloud Tasks refuses the second name with ALREADY_EXISTS). The
 * schedule time is in it so a wake-up capped at 30 days and sent on when it arrives early gets a
 * new name; `rearmedAt` (the re-arm's clock, ms) names a re-armed wake-up apart from the task
 * whose name it would take. A hash, not the ids, spreads names over Cloud Tasks' key space:
 * https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks#Task.FIELDS.name
 */
export const taskName = (queue: string, due: WakeUp, scheduleSeconds: number, rearmedAt?: number): string => {
  const parts: unknown[] = [due.tenant, due.id, due.at, scheduleSeconds];
  if (rearmedAt !== undefined) parts.push(rearmedAt);
  return `${queue}/tasks/${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
};

/**
 * Wake-ups as Cloud Tasks HTTP tasks that POST `{ at, tenant, id }` to the wake-up function with
 * an OIDC token, at the attempt's due time. Errors other than ALREADY_EXISTS reject: the engine
 * logs them, and a re-arm that fails answers 503, so Cloud Tasks retries the task it re-arms.
 * CreateTask itself is not retried (google-gax counts it non-idempotent): a 429 or 503 rejects.
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
      const now = opts.clock.now();
      const seconds = Math.min(Math.ceil(due.at / 1000), Math.floor(now / 1000) + MAX_AHEAD_SECONDS);
      const body = Buffer.from(JSON.stringify({ at: due.at, tenant: due.tenant, id: due.id }), 'utf8').toString('base64');
      const client = await tasks();
      // Resolves false when the name is taken.
      const create = async (name: string): Promise<boolean> => {
        try {
          await client.createTask({
            parent: opts.queue,
            task: {
              name,
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
          return true;
        } catch (e) {
          if (alreadyExists(e)) return false;
          throw e;
        }
      };
      if (await create(taskName(opts.queue, due, seconds))) return;
      // Taken by a task due about now: the one running, so this is a re-arm (see RE_ARM_WINDOW_MS).
      // If it was a pending duplicate after all, the second task is a repeated wake-up: harmless.
      if (seconds * 1000 <= now + RE_ARM_WINDOW_MS) await create(taskName(opts.queue, due, seconds, now));
    },
  };
}
