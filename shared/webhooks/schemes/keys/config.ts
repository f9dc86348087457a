/** Configuration schemas of the keys schemes (one strictObject per scheme, discriminated by `scheme`). */
export const keysVerifySchemas = [] as const;
