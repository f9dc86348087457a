import type { Finding } from '../ocsf';
import type { MappedEvent } from '../types';
import { mapAsffFinding } from './asff';
import { guardDutyAsff, ocsfV2Finding, type Json } from './fixtures.testkit';
import { mapOcsfFinding } from './ocsf-v2';

// The real GuardDuty ASFF fixture (fixtures.testkit.ts), with its resource replaced by the
// documented AwsAutoScalingLaunchConfiguration details block
// (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-resourcedetails-awsautoscaling.html).
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const map = (finding: unknown) => mapAsffFinding(finding, { receivedAt: RECEIVED }) as MappedEvent;
const LC_ARN = 'arn:aws:autoscaling:us-east-1:193043430472:launchConfiguration:0d3e1f3a:launchConfigurationName/web';
const withResource = (details: Json): Json => ({
  ...guardDutyAsff(),
  Resources: [{ Type: 'AwsAutoScalingLaunchConfiguration', Id: LC_ARN, Partition: 'aws', Region: 'us-east-1', Details: details }],
});

describe('ASFF resource details: what reaches the published finding', () => {
  test('a launch configuration\'s UserData (instance bootstrap scripts, where credentials live) is not copied', () => {
    const userData = Buffer.from('#!/bin/bash\nexport DB_PASSWORD=hunter2-not-a-real-one\n').toString('base64');
    const ev = map(withResource({
      AwsAutoScalingLaunchConfiguration: { LaunchConfigurationName: 'web', ImageId: 'ami-0123', InstanceType: 't3.micro', UserData: userData },
    }));
    const details = ((ev.data as Finding).resources?.[0]?.data as Json).details as Json;
    expect(details).toEqual({ AwsAutoScalingLaunchConfiguration: { LaunchConfigurationName: 'web', ImageId: 'ami-0123', InstanceType: 't3.micro' } });
    expect(JSON.stringify(ev)).not.toContain(userData);
  });

  test('credential-named scalars of a free-form Details.Other block are not copied; the rest is', () => {
    const ev = map(withResource({ Other: { Filename: 'deploy.sh', Password: 'hunter2-not-a-real-one', ApiToken: 'tok-not-a-real-one' } }));
    expect(((ev.data as Finding).resources?.[0]?.data as Json).details).toEqual({ Other: { Filename: 'deploy.sh' } });
  });

  test('a details block or member named "__proto__" is kept as data, not made the prototype of the copy', () => {
    const details = JSON.parse('{"__proto__": {"Type": "t2.micro"}, "AwsEc2Instance": {"__proto__": ["a"], "ImageId": "ami-1"}}') as Json;
    const copied = ((map(withResource(details)).data as Finding).resources?.[0]?.data as Json).details as Json;
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.keys(copied).sort()).toEqual(['AwsEc2Instance', '__proto__']);
    expect(Object.getPrototypeOf(copied.AwsEc2Instance)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(copied))).toEqual(JSON.parse('{"__proto__": {"Type": "t2.micro"}, "AwsEc2Instance": {"__proto__": ["a"], "ImageId": "ami-1"}}'));
  });

  test('a V2 (OCSF) finding with a "__proto__" member is published as it came (the member kept, the prototype plain)', () => {
    const finding = { ...ocsfV2Finding(), ...(JSON.parse('{"__proto__": {"injected": true}}') as Json) };
    const ev = mapOcsfFinding(finding, { receivedAt: RECEIVED }) as MappedEvent;
    const data = ev.data as Json;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.injected).toBeUndefined();
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
  });
});
