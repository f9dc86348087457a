import type { ClientInfo } from '../webhooks/types';

/**
 * What the platform says about the caller travels beside the Request, never in a header a client
 * could set: adapters record it here when they build the Request, handlers read it back.
 */
const infos = new WeakMap<Request, ClientInfo>();

export function setClientInfo(req: Request, info: ClientInfo): Request {
  infos.set(req, info);
  return req;
}

export const clientInfo = (req: Request): ClientInfo => infos.get(req) ?? {};

/**
 * The client address from X-Forwarded-For behind `hops` trusted proxies (Azure Front Door / App
 * Service front ends, Google Front End): each proxy appends the address it saw, so the entry
 * `hops` from the right was written by the outermost trusted proxy; anything left of it is
 * client-controlled. Ports (`1.2.3.4:5678`, `[2001:db8::1]:443`) are removed.
 */
export function forwardedClient(xff: string | null | undefined, hops: number): string | undefined {
  if (!xff || hops < 1) return undefined;
  const entries = xff.split(',').map((s) => s.trim()).filter(Boolean);
  const entry = entries[entries.length - hops];
  if (!entry) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1];
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4port ? v4port[1] : entry;
}
