import { GetParameterCommand, ParameterNotFound, ParameterVersionNotFound, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { describeSecretsContract } from '../../shared/secrets/contract.testkit';
import { ssmParameterName, ssmSecrets } from './secrets-ssm';

/**
 * aws-sdk-client-mock is not installed: a real SSMClient whose middleware stack answers at the
 * initialize step, so the command built by the code is what is asserted.
 */
function fakeSsm(answer: (input: GetParameterCommand['input']) => object) {
  const client = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } });
  const commands: unknown[] = [];
  client.middlewareStack.add(
    () => async (args) => {
      commands.push(args.input);
      return { output: { $metadata: {}, ...answer(args.input as GetParameterCommand['input']) }, response: {} };
    },
    { step: 'initialize', name: 'fakeSsm' },
  );
  return { client, commands };
}

describe('ssmSecrets (mocked SDK: no emulator)', () => {
  test('GetParameter with the name under the prefix path and WithDecryption true', async () => {
    const ssm = fakeSsm((input) => ({ Parameter: { Name: input.Name, Type: 'SecureString', Value: 'decrypted-value', Version: 3 } }));
    const s = ssmSecrets({ client: ssm.client, prefix: '/secorch/prod/' });
    expect(await s.get('github-webhook')).toBe('decrypted-value');
    expect(ssm.commands).toEqual([{ Name: '/secorch/prod/github-webhook', WithDecryption: true }]);
  });

  test('prefix and name are joined with one slash; absolute names and ARNs are kept', () => {
    expect(ssmParameterName('/secorch/prod', 'a')).toBe('/secorch/prod/a');
    expect(ssmParameterName('/secorch/prod//', 'a')).toBe('/secorch/prod/a');
    expect(ssmParameterName('/secorch/prod/', '/shared/a')).toBe('/shared/a');
    expect(ssmParameterName('/secorch/prod/', 'arn:aws:ssm:eu-west-1:111122223333:parameter/x')).toBe('arn:aws:ssm:eu-west-1:111122223333:parameter/x');
    expect(ssmParameterName(undefined, 'a')).toBe('a');
    // A prefix written without its leading slash still makes a fully qualified name.
    expect(ssmParameterName('secorch/prod', 'a')).toBe('/secorch/prod/a');
  });

  test('ParameterNotFound and ParameterVersionNotFound are undefined', async () => {
    for (const error of [new ParameterNotFound({ message: '', $metadata: {} }), new ParameterVersionNotFound({ message: '', $metadata: {} })]) {
      const ssm = fakeSsm(() => {
        throw error;
      });
      expect(await ssmSecrets({ client: ssm.client }).get('/x/missing:7')).toBeUndefined();
      expect(ssm.commands).toEqual([{ Name: '/x/missing:7', WithDecryption: true }]);
    }
  });

  test('access denied, throttling and KMS failures: retryable secret_unavailable naming the parameter', async () => {
    for (const name of ['AccessDeniedException', 'ThrottlingException', 'ParameterLimitExceeded', 'InternalServerError']) {
      const ssm = fakeSsm(() => {
        throw new SSMServiceException({ name, $fault: 'client', message: 'details', $metadata: { httpStatusCode: 400 } });
      });
      await expect(ssmSecrets({ client: ssm.client, prefix: '/p' }).get('db')).rejects.toMatchObject({
        code: 'secret_unavailable', retryable: true, message: `Secret "/p/db" is unavailable from aws-ssm (${name}, HTTP 400)`,
      });
    }
  });

  test('invalid parameter names are refused before any call', async () => {
    const ssm = fakeSsm(() => ({ Parameter: { Value: 'x' } }));
    const s = ssmSecrets({ client: ssm.client });
    await expect(s.get('has space')).rejects.toMatchObject({ code: 'invalid_secret_name' });
    await expect(s.get('semi;colon')).rejects.toMatchObject({ code: 'invalid_secret_name', message: expect.stringContaining('aws-ssm') });
    expect(ssm.commands).toEqual([]);
  });
});

/**
 * The Secrets contract over the fake client: `values` are SecureString parameters under
 * /secorch/prod (ParameterNotFound for anything else), ThrottlingException once broken.
 */
describeSecretsContract('ssmSecrets (mocked SDK: no emulator)', async (values) => {
  let broken = false;
  const ssm = fakeSsm((input) => {
    if (broken) throw new SSMServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    const name = input.Name!.replace(/^\/secorch\/prod\//, '');
    if (!input.Name!.startsWith('/secorch/prod/') || !Object.hasOwn(values, name)) throw new ParameterNotFound({ message: '', $metadata: { httpStatusCode: 400 } });
    expect(input.WithDecryption).toBe(true);
    return { Parameter: { Name: input.Name, Type: 'SecureString', Value: values[name], Version: 1 } };
  });
  return { secrets: ssmSecrets({ client: ssm.client, prefix: '/secorch/prod/' }), breakBackend: () => { broken = true; } };
});
