/** Secret lookup (cloud secret managers, environment). Values are never logged. */
export interface Secrets {
  get(name: string): Promise<string | undefined>;
}

/** Secrets from a fixed map; its own names only (`toString` is no secret of it). */
export function mapSecrets(values: Record<string, string | undefined>): Secrets {
  return { get: async (name) => (Object.hasOwn(values, name) ? values[name] : undefined) };
}
