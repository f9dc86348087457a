import type { Sealer } from '../../ports/sealer';
import type { StateStore } from '../../ports/store';

/**
 * Where a connector keeps its OAuth refresh token. Vendors that rotate refresh tokens (Okta,
 * Auth0, Entra ID, Salesforce with rotation on) invalidate the old one when they issue a new one,
 * so the new one must be persisted before it is relied on: a process that crashes with it only in
 * memory would leave nothing that works.
 */
export interface RefreshTokenStore {
  /** The refresh token to use next, if any. */
  load(): Promise<string | undefined>;
  /** Persists a rotated refresh token; resolves only once it is durable. */
  save(token: string): Promise<void>;
}

export function memoryRefreshTokens(initial?: string): RefreshTokenStore & { readonly saved: readonly string[] } {
  let current = initial;
  const saved: string[] = [];
  return {
    saved,
    load: async () => current,
    save: async (token) => {
      current = token;
      saved.push(token);
    },
  };
}

export interface StateStoreRefreshTokensOptions {
  store: StateStore;
  /** e.g. `connectors/<name>/refresh-token`. */
  key: string;
  /** The token from configuration, used until a rotated one has been stored. */
  initial?: string;
  /** Encrypts the token at rest (deps.sealer), bound to `key` so a copied value does not open elsewhere. */
  sealer?: Sealer;
}

/**
 * The refresh token in the state store (deps.store), so every function instance sees the latest
 * rotation. Instances refresh independently: a vendor with strict reuse detection can revoke the
 * family when two of them redeem the same token at once; Okta and Auth0 allow a short grace
 * period for exactly this (https://developer.okta.com/docs/guides/refresh-tokens/main/#refresh-token-rotation).
 */
export function stateStoreRefreshTokens(o: StateStoreRefreshTokensOptions): RefreshTokenStore {
  const context = { purpose: 'connector-refresh-token', key: o.key };
  return {
    async load() {
      const item = await o.store.get(o.key);
      if (!item) return o.initial;
      return o.sealer ? o.sealer.open(item.value, context) : item.value;
    },
    async save(token) {
      await o.store.put(o.key, o.sealer ? await o.sealer.seal(token, context) : token);
    },
  };
}
