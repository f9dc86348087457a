/** Secret lookup (cloud secret managers, environment). Values are never logged. */
export interface Secrets {
  get(name: string): Promise<string | undefined>;
}

export function mapSecrets(values: Record<string, string | undefined>): Secrets {
  return { get: async (name) => values[name] };
}
