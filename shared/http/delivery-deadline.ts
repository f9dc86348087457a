/**
 * The deadline's abort signal, as the minimal EventEmitter undici's request() accepts: an
 * AbortController and its EventTarget cost more per request than the rest of the delivery client (./delivery-client.ts).
 */
export class Deadline {
  aborted = false;
  reason: unknown;
  private listener: (() => void) | undefined;
  private expired: ((reason: unknown) => void) | undefined;
  /**
   * `work`, or the deadline's reason as soon as it passes. undici binds the signal only when a
   * socket takes the request: while the lookup or the TCP handshake runs (a dead name server, a
   * destination that drops SYNs) an abort is only noted, and the connect timeout would end the
   * wait instead. The request left behind is aborted by undici once it connects or gives up.
   */
  race<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.expired = reject;
      work.then(resolve, reject);
    });
  }
  on(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }
  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }
  removeListener(): this {
    this.listener = undefined;
    return this;
  }
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
    this.expired?.(reason);
  }
}
