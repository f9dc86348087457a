import { redactUrlsIn } from './url';

/**
 * Redaction for structured logs: values under secret-looking keys, and values that look like
 * credentials wherever they appear, are replaced before a line is written.
 */
const SECRET_KEY = /secret|token|passw|signature|authorization|api[-_]?key|cookie|credential|private[-_]?key/i;
// whsec_/whpk_ secrets, bearer credentials, and sha256=/v1, style signature values.
const SECRET_VALUE = /\b(whsec_|whpk_|whsk_)[A-Za-z0-9+/=_-]+|\bBearer\s+[A-Za-z0-9._~+/=-]+|\b(sha1|sha256|sha512|v1)[=,][A-Za-z0-9+/=]{16,}/g;
/**
 * `Key=value;` connection strings, as drivers and SDKs quote them in their errors: Azure Storage
 * (`AccountKey=`, `SharedAccessSignature=`), Service Bus and Event Hubs (`SharedAccessKey=`),
 * ADO.NET and ODBC style (`Password=`, `Pwd=`). The name stays, the value goes.
 */
const CONNECTION_SECRET = /\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=([^;\s"']+)/gi;

export const REDACTED = '[redacted]';

/** A free-text value with every credential-shaped part (above, and URLs: ./url.ts) replaced. */
export function redactText(text: string): string {
  let out = text.replace(SECRET_VALUE, REDACTED);
  if (out.includes('=')) out = out.replace(CONNECTION_SECRET, `$1=${REDACTED}`);
  return redactUrlsIn(out);
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return redactText(value);
  // JSON has no bigint: written as its digits rather than failing the line.
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
