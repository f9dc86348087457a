/** Object storage (S3, Blob, GCS, a local directory). */
export interface ObjectStorage {
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<string[]>;
}
