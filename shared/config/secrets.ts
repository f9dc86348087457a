/** The secrets of a source, newest last, as configured (secret or secrets). */
export function sourceSecrets(v: { secret?: string; secrets?: string[] }): string[] {
  return v.secrets ?? (v.secret ? [v.secret] : []);
}
