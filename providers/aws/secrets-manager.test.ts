import {
  DecryptionFailure, GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient, SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { fixedClock } from '../../shared/ports';
import { describeSecretsContract } from '../../shared/secrets/contract.testkit';
import { configuredSecrets } from '../common/secrets';
import { secretsManagerSecrets } from './secrets-manager';

/**
 * aws-sdk-client-mock is not installed: a real SecretsManagerClient whose middleware stack
 * answers at the initialize step, so the command built by the code is what is asserted and
 * nothing leaves the process.
 */
function fakeSecretsManager(answer: (input: GetSecretValueCommand['input']) => object) {
  const client = new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } });
  const commands: unknown[] = [];
  client.middlewareStack.add(
    () => async (args) => {
      commands.push(args.input);
      return { output: { $metadata: {}, ...answer(args.input as GetSecretValueCommand['input']) }, response: {} };
    },
    { step: 'initialize', name: 'fakeSecretsManager' },
  );
  return { client, commands };
}

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe('secretsManagerSecrets (mocked SDK: no emulator)', () => {
  test('GetSecretValue with the prefixed name; SecretString is the value', async () => {
    const sm = fakeSecretsManager(() => ({ SecretString: 'gh-secret' }));
    const s = secretsManagerSecrets({ client: sm.client, prefix: 'secorch/prod/' });
    expect(await s.get('github-webhook')).toBe('gh-secret');
    expect(sm.commands).toEqual([{ SecretId: 'secorch/prod/github-webhook' }]);
  });

  test('SecretBinary is decoded as UTF-8; invalid UTF-8 is refused without echoing bytes', async () => {
    const text = fakeSecretsManager(() => ({ SecretBinary: new TextEncoder().encode('clé-binaire') }));
    expect(await secretsManagerSecrets({ client: text.client }).get('bin')).toBe('clé-binaire');
    const junk = fakeSecretsManager(() => ({ SecretBinary: new Uint8Array([0xff, 0xfe, 0x41]) }));
    await expect(secretsManagerSecrets({ client: junk.client }).get('bin')).rejects.toMatchObject({
      code: 'secret_unreadable', retryable: false, message: 'Secret "bin" from aws-secrets-manager is unreadable (binary value is not UTF-8)',
    });
  });

  test('ResourceNotFoundException is undefined', async () => {
    const sm = fakeSecretsManager(() => {
      throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...meta(400) });
    });
    expect(await secretsManagerSecrets({ client: sm.client }).get('nope')).toBeUndefined();
  });

  test.each([
    ['AccessDenied', new SecretsManagerServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'User arn:aws:sts::1:assumed-role/x is not authorized', ...meta(400) }), 'AccessDeniedException, HTTP 400'],
    ['throttling', new SecretsManagerServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', ...meta(400) }), 'ThrottlingException, HTTP 400'],
    ['KMS decryption', new DecryptionFailure({ message: 'kms', ...meta(400) }), 'DecryptionFailure, HTTP 400'],
    ['network', Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), { name: 'TimeoutError' }), 'TimeoutError'],
  ])('%s: retryable secret_unavailable naming the secret only', async (_what, error, reason) => {
    const sm = fakeSecretsManager(() => {
      throw error;
    });
    const e = await secretsManagerSecrets({ client: sm.client }).get('db').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'secret_unavailable', retryable: true, status: 503, expose: false, extra: { secret: 'db', provider: 'aws-secrets-manager' } });
    expect((e as Error).message).toBe(`Secret "db" is unavailable from aws-secrets-manager (${reason})`);
  });

  test('names with whitespace or characters Secrets Manager refuses are not sent', async () => {
    const sm = fakeSecretsManager(() => ({ SecretString: 'x' }));
    const s = secretsManagerSecrets({ client: sm.client });
    await expect(s.get('my secret')).rejects.toMatchObject({ code: 'invalid_secret_name' });
    await expect(s.get('a*b')).rejects.toMatchObject({ code: 'invalid_secret_name', message: expect.stringContaining('"a*b"') });
    expect(await s.get('arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf')).toBe('x');
    expect(sm.commands).toEqual([{ SecretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf' }]);
  });
});

/**
 * The Secrets contract over the fake client, holding `values` under the prefix as SecretString
 * (ResourceNotFoundException for anything else), answering AccessDeniedException once broken.
 */
function seededSecretsManager(values: Record<string, string>, prefix: string) {
  let broken = false;
  const sm = fakeSecretsManager((input) => {
    if (broken) {
      throw new SecretsManagerServiceException({
        name: 'AccessDeniedException', $fault: 'client', ...meta(400),
        message: `User: arn:aws:sts::111122223333:assumed-role/secorch/fn is not authorized to perform: secretsmanager:GetSecretValue on resource: ${input.SecretId}`,
      });
    }
    const name = input.SecretId!.startsWith(prefix) ? input.SecretId!.slice(prefix.length) : undefined;
    if (name === undefined || !Object.hasOwn(values, name)) {
      throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...meta(400) });
    }
    return { ARN: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${input.SecretId}-AbCdEf`, Name: input.SecretId, SecretString: values[name], VersionStages: ['AWSCURRENT'] };
  });
  return { client: sm.client, breakBackend: () => { broken = true; } };
}

describeSecretsContract('secretsManagerSecrets (mocked SDK: no emulator)', async (values) => {
  const sm = seededSecretsManager(values, 'secorch/prod/');
  return { secrets: secretsManagerSecrets({ client: sm.client, prefix: 'secorch/prod/' }), breakBackend: sm.breakBackend };
});

describeSecretsContract('configuredSecrets aws-secrets-manager: the TTL cache around the SDK fake (mocked SDK: no emulator)', async (values) => {
  const sm = seededSecretsManager(values, 'secorch/prod/');
  const secrets = configuredSecrets('AWS', { provider: 'aws-secrets-manager', prefix: 'secorch/prod/', ttlSeconds: 300 }, {
    'aws-secrets-manager': (section) => secretsManagerSecrets({ client: sm.client, prefix: section.prefix }),
  }, { env: {}, clock: fixedClock(0) });
  return { secrets, breakBackend: sm.breakBackend };
});
