import { positiveIntegerEnv, type SettingWarning } from './env-number';

/**
 * When a timer-triggered sweep must be done, on the platforms that do not tell a function the
 * time it has left (Azure Functions, Google Cloud Functions; Lambda does: providers/aws/schedule.ts).
 * The function's timeout as deployed: `SECORCH_FUNCTION_TIMEOUT_SECONDS` when set (a deployment
 * with another timeout than the README's), else the documented one (`fallbackSeconds`: host.json's
 * functionTimeout on Azure, the deploy command's --timeout on Google Cloud).
 */
export function sweepDeadline(now: number, fallbackSeconds: number, env: NodeJS.ProcessEnv = process.env, warn?: SettingWarning): number {
  return now + positiveIntegerEnv(env, 'SECORCH_FUNCTION_TIMEOUT_SECONDS', 5, fallbackSeconds, warn) * 1000;
}
