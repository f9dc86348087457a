/**
 * Just enough of a GraphQL document to know what sending it does: whether the operation is a
 * query (safe to repeat) or a mutation (not, unless marked), and that `operationName` names one
 * of its operations. Not a parser: the server validates the rest, and answers with errors.
 * https://spec.graphql.org/October2021/#sec-Document
 */
export type OperationKind = 'query' | 'mutation';

/** Whitespace, commas and comments are ignored tokens (spec 2.1.7); a BOM may open the text. */
const IGNORED = /^(?:[\s,\ufeff]+|#[^\n\r]*)*/;
const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

export type Operation = { kind: OperationKind } | { problem: string; at: 'query' | 'operationName' };

function firstKeyword(document: string): string {
  const rest = document.replace(IGNORED, '');
  return rest.startsWith('{') ? '{' : (/^[_A-Za-z][_0-9A-Za-z]*/.exec(rest)?.[0] ?? rest.slice(0, 1));
}

function kindOf(keyword: string): Operation {
  if (keyword === 'query' || keyword === '{') return { kind: 'query' };
  if (keyword === 'mutation') return { kind: 'mutation' };
  if (keyword === 'subscription') return { problem: 'is a subscription, which a single POST cannot carry', at: 'query' };
  if (keyword === 'fragment') return { problem: 'starts with a fragment; put the operation first, or set operationName', at: 'query' };
  return { problem: 'must start with query, mutation or {', at: 'query' };
}

export function operationOf(document: string, operationName?: string): Operation {
  if (operationName === undefined) return kindOf(firstKeyword(document));
  if (!NAME.test(operationName)) return { problem: 'is not a GraphQL name', at: 'operationName' };
  // The keyword before the name says the kind; comments and strings are not told apart (a small check).
  const named = new RegExp(`(?:^|[^_0-9A-Za-z])(query|mutation|subscription)\\s+${operationName}(?![_0-9A-Za-z])`).exec(document);
  if (!named) return { problem: `names no operation of the query (expected "query ${operationName}" or "mutation ${operationName}")`, at: 'operationName' };
  return kindOf(named[1]!);
}
