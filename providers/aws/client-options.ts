/**
 * Bounds on every wait of an AWS SDK client the providers make (a client passed in keeps its
 * owner's settings). The SDK's defaults wait forever: in @aws-sdk 3.1164 with
 * @smithy/node-http-handler 4.14, `connectionTimeout` and `socketTimeout` are 0 (none), and
 * `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set. A Lambda in a VPC
 * with no route or endpoint to the service then hangs each call until the platform kills it.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-requesthandler.html
 *
 * The SDK's own retry strategy is kept (standard mode, jittered backoff from 50 ms, a retry
 * token bucket), with 3 attempts for every client unless AWS_MAX_ATTEMPTS says otherwise (this
 * SDK version gives DynamoDB 4): timeouts and refused or reset connections are retried, each
 * attempt bounded by the numbers below. Worst cases per call: a black-holed route (the VPC case)
 * costs attempts x connect timeout, about 6 s, inside the HTTP functions' 10 s timeout
 * (serverless.yml); a server that accepts TCP and never answers costs attempts x (socket timeout
 * + up to 3 s, the handler arms socket timeouts of 6 s and more 3 s late).
 */
export interface AwsTimeouts {
  /**
   * TCP connect (`connectionTimeout`). In-region connects take milliseconds and cross-region
   * ones a few hundred; the SDK's own "standard" defaults mode uses 3.1 s. Default 2 s, so three
   * attempts against a route that goes nowhere end inside a 10 s function.
   */
  connectTimeoutMs?: number;
  /**
   * Socket inactivity (`socketTimeout`): no byte sent or received for this long ends the attempt
   * with a TimeoutError. Idle rather than total, so a large S3 upload or a long download that
   * keeps moving is never cut; DynamoDB, SQS, KMS and S3 answer in tens of milliseconds, so
   * 10 s of silence means the server or the path is gone. A write that fails this way may have
   * been applied: the resulting 503 means "unknown", not "not written". Default 10 s.
   */
  socketTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
/** Attempts per call, AWS_MAX_ATTEMPTS aside (the SDK reads it when maxAttempts is unset). */
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_SOCKET_TIMEOUT_MS = 10_000;

/**
 * The configuration of a new SDK client: region, endpoint and the bounded request handler. The
 * plain options object is what the clients accept for `requestHandler` (they build their
 * NodeHttpHandler from it), so no @smithy package is imported here.
 */
export function awsClientConfig(o: AwsTimeouts & { region?: string; endpoint?: string }, env: Record<string, string | undefined> = process.env) {
  return {
    region: o.region,
    endpoint: o.endpoint,
    maxAttempts: env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      socketTimeout: o.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
    },
  };
}
