/** Outbound HTTP. The default is the platform fetch (undici); later an egress guard wraps it. */
export interface HttpClient {
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

export const platformHttp: HttpClient = { fetch: (input, init) => fetch(input, init) };
