import { commonProblems } from '../rest/problems';
import { type Template, templateProblems } from '../template';
import type { GraphQLConfig } from './config';
import { operationOf } from './document';

/**
 * What the schema cannot see in a `graphql` destination, as `path: reason` strings under `at`
 * (`destinations.<name>`); [] when it is valid. Run at config time (shared/config/compile.ts).
 */
export function graphqlProblems(c: GraphQLConfig, at: string): string[] {
  const problems = commonProblems(c, c.endpoint, 'endpoint', at);
  problems.push(...templateProblems(c.variables as Template, `${at}.variables`));
  const op = operationOf(c.query, c.operationName);
  if ('problem' in op) problems.push(`${at}.${op.at}: ${op.problem}`);
  return problems;
}
