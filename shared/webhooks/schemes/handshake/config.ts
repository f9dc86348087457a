/** Configuration schemas of the handshake schemes (one strictObject per scheme, discriminated by `scheme`). */
export const handshakeVerifySchemas = [] as const;
