import { REDACTED } from '../../log/redact';
import { CREDENTIAL_KEY } from './common';

export { REDACTED };

/**
 * An AWS service event (an EventBridge envelope of Security Hub or GuardDuty findings) with what
 * may be a credential replaced by REDACTED, for showing the event raw (an `eventbridge` dead
 * letter through the API). The mappers never publish these (they keep a resource's scalars only,
 * without credential-named members: common.ts summarize); the raw event does carry them: ASFF
 * resource details hold environment variables (AwsLambdaFunction.Environment.Variables, ECS task
 * definitions' Environment, CodeBuild's EnvironmentVariables) and launch `UserData`, where
 * passwords and tokens end up. Replaced at any depth: a member named like a credential, and every
 * value of an environment block (its names stay, so an analyst still sees what is set).
 */
/** Lambda's `Variables` map, CodeBuild's `EnvironmentVariables` list; ECS's `Environment` list (an object there is a description). */
const isEnvironment = (key: string, v: unknown) => /^(environmentvariables|variables)$/i.test(key) || (/^environment$/i.test(key) && Array.isArray(v));

export function redactAwsEvent(value: unknown): unknown {
  return walk(value, false);
}

function walk(value: unknown, inEnvironment: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, inEnvironment));
  if (value === null || typeof value !== 'object') return inEnvironment && value !== null ? REDACTED : value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // ECS/CodeBuild environments are lists of { Name, Value }: the name stays readable.
    const keepName = inEnvironment && /^name$/i.test(key) && typeof v === 'string';
    const redacted = CREDENTIAL_KEY.test(key) && v !== null && v !== undefined;
    Object.defineProperty(out, key, {
      value: redacted ? REDACTED : keepName ? v : walk(v, inEnvironment || isEnvironment(key, v)),
      enumerable: true, writable: true, configurable: true,
    });
  }
  return out;
}
