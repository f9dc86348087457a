/**
 * A readiness check of a part only one runtime has, which the portable handler knows nothing
 * about: locally, the worker processes beside serverless-offline. Unlike a dependency's check, a
 * failed one says why in the answer: the runtime words the reason from its own state (a process
 * restarting, a heartbeat overdue), never from a dependency's error text, so it names no
 * endpoint, account or secret.
 */
export interface RuntimeCheck {
  name: string;
  ok: boolean;
  reason?: string;
}

/** Optional port: a runtime with parts of its own to report provides it; the clouds do not. */
export interface RuntimeReadiness {
  checks(): Promise<RuntimeCheck[]>;
}
