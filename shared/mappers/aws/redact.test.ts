import { guardDutyAsff, importedEvent } from './fixtures.testkit';
import { REDACTED, redactAwsEvent } from './redact';

/** The credentials an ASFF finding's resource details can carry, in the shapes the ASFF reference gives them. */
const lambdaResource = {
  Type: 'AwsLambdaFunction',
  Id: 'arn:aws:lambda:us-east-1:123456789012:function:billing',
  Details: {
    AwsLambdaFunction: {
      FunctionName: 'billing',
      Runtime: 'nodejs20.x',
      Environment: { Variables: { DB_PASSWORD: 'hunter2', API_URL: 'https://api.example.com' }, Error: { ErrorCode: 'none' } },
    },
  },
};
const ecsResource = {
  Type: 'AwsEcsTaskDefinition',
  Id: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
  Details: { AwsEcsTaskDefinition: { ContainerDefinitions: [{ Name: 'web', Image: 'web:3', Environment: [{ Name: 'STRIPE_KEY', Value: 'sk_live_abc' }] }] } },
};
const launchResource = {
  Type: 'AwsEc2LaunchTemplate',
  Id: 'lt-0123',
  Details: { AwsEc2LaunchTemplate: { LaunchTemplateData: { UserData: 'IyEvYmluL3NoCmV4cG9ydCBUT0tFTj1hYmM=', InstanceType: 't3.micro' } } },
};

/** What the assertions read of a redacted resource. */
type Resource = { Details: { AwsLambdaFunction: { Environment: unknown }; AwsEcsTaskDefinition: { ContainerDefinitions: unknown[] }; AwsEc2LaunchTemplate: { LaunchTemplateData: unknown } } };

test('resource details lose environment values and credential-named members at any depth; the rest is as it was', () => {
  const finding = { ...guardDutyAsff(), Resources: [lambdaResource, ecsResource, launchResource] };
  const event = importedEvent([finding]);
  const text = JSON.stringify(redactAwsEvent(event));
  for (const secret of ['hunter2', 'https://api.example.com', 'sk_live_abc', 'IyEvYmluL3NoCmV4cG9ydCBUT0tFTj1hYmM=']) expect(text).not.toContain(secret);
  const [lambda, ecs, launch] = (redactAwsEvent(event) as { detail: { findings: { Resources: Resource[] }[] } }).detail.findings[0]!.Resources;
  expect(lambda!.Details.AwsLambdaFunction.Environment).toEqual({ Variables: { DB_PASSWORD: REDACTED, API_URL: REDACTED }, Error: { ErrorCode: 'none' } });
  expect(ecs!.Details.AwsEcsTaskDefinition.ContainerDefinitions[0]).toEqual({ Name: 'web', Image: 'web:3', Environment: [{ Name: 'STRIPE_KEY', Value: REDACTED }] });
  expect(launch!.Details.AwsEc2LaunchTemplate.LaunchTemplateData).toEqual({ UserData: REDACTED, InstanceType: 't3.micro' });
  // Nothing else changes: the real GuardDuty finding, without such members, comes back equal.
  const plain = importedEvent([guardDutyAsff()]);
  expect(redactAwsEvent(plain)).toEqual(plain);
});
