import { httpRoutes } from '../routes';
import { openApiDocument } from './openapi';

test('the OpenAPI document describes every route the functions serve, and nothing else', () => {
  const documented = Object.entries(openApiDocument.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  const served = httpRoutes.map((r) => `${r.method} ${r.path}`);
  expect(documented.sort()).toEqual(served.sort());
  expect(openApiDocument.openapi).toBe('3.1.0');
});
