import type { protos } from '@google-cloud/secret-manager';
import type { Secrets } from '../../shared/ports';
import { checkCommonName, invalidSecretName, secretUnavailable, utf8Secret } from '../../shared/secrets';
import { once } from '../common/once';
import { crc32c } from './sealer-cloudkms';
import { type GaxCallOptions, gaxCallOptions, type GcpTimeouts } from './client-options';

type Request = protos.google.cloud.secretmanager.v1.IAccessSecretVersionRequest;
type Response = protos.google.cloud.secretmanager.v1.IAccessSecretVersionResponse;

/** The SecretManagerServiceClient methods used (tests inject a fake). */
export interface SecretAccessClient {
  accessSecretVersion(request: Request, options?: GaxCallOptions): Promise<[Response, ...unknown[]]>;
  getProjectId(): Promise<string>;
}

export interface GcpSecretsOptions extends GcpTimeouts {
  /** Project of the secrets (config `secrets.projectId`, else GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT). */
  projectId?: string;
  /** Put before every short name (config `secrets.prefix`), e.g. `secorch-prod-`; full version names stay as they are. */
  prefix?: string;
  /** A ready client (tests, or a shared one); by default one is created on first use. */
  client?: SecretAccessClient;
}

const PROVIDER = 'gcp-secret-manager';
/** Secret ids: https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create */
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
/** A full version name pins a version or another project: projects/<p>/secrets/<s>/versions/<v>. */
const VERSION_NAME = /^projects\/[^/]+\/secrets\/[A-Za-z0-9_-]{1,255}\/versions\/[^/]+$/;
const NOT_FOUND = 5;

/**
 * Secrets from Google Secret Manager: accessSecretVersion of `versions/latest`, the payload
 * checked against its CRC32C as Google recommends and decoded as UTF-8. NOT_FOUND (no secret,
 * or no enabled version) is "no such secret" (undefined); PERMISSION_DENIED, RESOURCE_EXHAUSTED,
 * UNAVAILABLE, a disabled version (FAILED_PRECONDITION) and network failures are a retryable
 * secret_unavailable naming the secret. Without a project in the configuration or the
 * environment the client asks the metadata server (Cloud Functions sets no project variable).
 * https://cloud.google.com/secret-manager/docs/access-secret-version
 */
export function gcpSecrets(opts: GcpSecretsOptions = {}): Secrets {
  const load = once(async () => {
    const client: SecretAccessClient = opts.client ?? new (await import('@google-cloud/secret-manager')).SecretManagerServiceClient();
    return { client, project: opts.projectId || (await client.getProjectId()) };
  });
  return {
    async get(name) {
      // A full version name already says which secret it is, as an ARN does for aws-ssm: the
      // prefix, meant for short names, would only make it one no secret can have.
      const id = VERSION_NAME.test(name) ? name : `${opts.prefix ?? ''}${name}`;
      checkCommonName(PROVIDER, id);
      if (!SECRET_ID.test(id) && !VERSION_NAME.test(id)) {
        throw invalidSecretName(PROVIDER, id, 'secret ids are 1-255 letters, digits, _ and - (or projects/<p>/secrets/<s>/versions/<v>)');
      }
      let payload;
      try {
        const { client, project } = await load();
        const version = VERSION_NAME.test(id) ? id : `projects/${project}/secrets/${id}/versions/latest`;
        [{ payload }] = await client.accessSecretVersion({ name: version }, gaxCallOptions(opts));
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        if (code === NOT_FOUND) return undefined;
        throw secretUnavailable(PROVIDER, id, typeof code === 'number' ? `gRPC code ${code}` : ((e as { name?: string } | null)?.name ?? 'Error'), e);
      }
      const data = typeof payload?.data === 'string' ? Buffer.from(payload.data, 'base64') : payload?.data;
      if (!data) return undefined;
      const crc = payload?.dataCrc32c; // number, string or Long, by the transport's int64 conversion
      if (crc != null && String(crc) !== String(crc32c(data))) {
        throw secretUnavailable(PROVIDER, id, 'payload checksum mismatch');
      }
      return utf8Secret(PROVIDER, id, data);
    },
  };
}
