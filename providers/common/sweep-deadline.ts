/**
 * When a timer-triggered sweep must be done, on the platforms that do not tell a function the
 * time it has left (Azure Functions, Google Cloud Functions; Lambda does: providers/aws/schedule.ts).
 * The function's timeout as deployed: `SECORCH_FUNCTION_TIMEOUT_SECONDS` when set (a deployment
 * with another timeout than the README's), else the documented one (`fallbackSeconds`: host.json's
 * functionTimeout on Azure, the deploy command's --timeout on Google Cloud).
 */
export function sweepDeadline(now: number, fallbackSeconds: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SECORCH_FUNCTION_TIMEOUT_SECONDS;
  const seconds = raw !== undefined && /^\d{1,5}$/.test(raw.trim()) && Number(raw) > 0 ? Number(raw) : fallbackSeconds;
  return now + seconds * 1000;
}
