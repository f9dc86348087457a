/**
 * The floor handler: answers 202 {} at once, without reading the event. Plain CommonJS so the
 * emulator runs it as is (no build step).
 */
module.exports.handler = async () => ({
  statusCode: 202,
  headers: { 'content-type': 'application/json' },
  body: '{}',
});
