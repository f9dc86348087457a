/** Configuration schemas of the vendor schemes (one strictObject per scheme, discriminated by `scheme`). */
export const vendorVerifySchemas = [] as const;
