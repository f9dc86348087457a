// Runs one exported Lambda handler of a built bundle in a fresh Node process, like the Lambda
// runtime would: the event comes on stdin, the result goes to stdout as JSON.
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const { handler } = require(process.argv[2]);
  const result = await handler(JSON.parse(Buffer.concat(chunks).toString('utf8')), {});
  process.stdout.write(`\n@@RESULT@@${JSON.stringify(result)}\n`);
});
