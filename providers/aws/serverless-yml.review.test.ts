import { evaluatedResources, type Json, resolvedServerlessYml } from './serverless-yml.testkit';

/**
 * The ingest queue's access policy, as a deploy of serverless.yml sets it. S3 -> SNS -> SQS
 * (README, storage-ingest) needs the topic allowed to send to the queue, and CloudFormation owns
 * the queue's whole policy: a statement added by hand is replaced by the next deploy, after which
 * SNS's deliveries are refused and the reports are never ingested. So the deploy takes the topic.
 */
type Statement = { Effect: string; Principal: { Service: string }; Action: string; Resource: Json; Condition: Record<string, Record<string, Json>> };
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:scan-reports';

const ingestStatements = (stage: string, env: Record<string, string> = {}): Statement[] => {
  const policy = evaluatedResources(resolvedServerlessYml(stage, env)).IngestQueuePolicy as { Properties: { PolicyDocument: { Statement: Statement[] } } };
  return policy.Properties.PolicyDocument.Statement;
};
const S3_STATEMENT = expect.objectContaining({ Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage' });

test('SECORCH_INGEST_TOPIC_ARN at deploy: that topic, and only it, may send to the ingest queue, beside the reports bucket', () => {
  const statements = ingestStatements('prod', { SECORCH_INGEST_TOPIC_ARN: TOPIC });
  expect(statements).toEqual([S3_STATEMENT, {
    Effect: 'Allow',
    Principal: { Service: 'sns.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: { 'Fn::GetAtt': ['IngestQueue', 'Arn'] },
    Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } },
  }]);
}, 60_000);

test('without it only the reports bucket may send; the local stage (npm start) resolves as before', () => {
  expect(ingestStatements('prod')).toEqual([S3_STATEMENT]);
  expect(ingestStatements('local')).toEqual([S3_STATEMENT]);
}, 60_000);
