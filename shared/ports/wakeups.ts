/**
 * Punctual wake-ups for due delivery attempts: a delayed message (SQS delay, an invisible
 * Storage queue message, a scheduled Cloud Task) that names one attempt. Best effort: the due
 * index in the state store stays the only authority and the periodic sweep the backstop, so a
 * wake-up that is lost, early, late or repeated is harmless (processDue answers 'stale').
 * schedule() rejects when the message could not be sent; the engine logs that and carries on.
 */
export interface WakeUp {
  /** When the attempt is due (epoch ms), as written in the due key and the delivery record. */
  at: number;
  tenant: string;
  id: string;
}

export interface WakeUps {
  schedule(due: WakeUp): Promise<void>;
}

/**
 * Sends a wake-up if the composition root provides the port, and never fails the caller: the
 * due key is already written, so a wake-up that cannot be sent only makes the attempt wait for
 * the next sweep. Awaited (not fire-and-forget) because a frozen Lambda would drop it.
 */
export async function sendWakeUp(
  deps: { wakeups?: WakeUps; logger: { warn(msg: string, fields?: Record<string, unknown>): void } },
  due: WakeUp,
): Promise<void> {
  if (!deps.wakeups) return;
  try {
    await deps.wakeups.schedule(due);
  } catch (e) {
    deps.logger.warn('delivery wake-up not sent; the sweep will pick the attempt up', {
      tenant: due.tenant, deliveryId: due.id, at: new Date(due.at).toISOString(), error: e instanceof Error ? e.message : String(e),
    });
  }
}
