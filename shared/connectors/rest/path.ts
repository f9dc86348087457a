import { render, templateProblems } from '../template';
import { segmentProblem } from '../url';
import { asText, templateEmpty, templateRefused } from './values';

/**
 * The `path` template. Its literal text is the configuration's; each `{{ }}` value is the event's
 * and becomes exactly one path segment, percent-encoded, so `/`, `?`, `#` and `\` in a value are
 * data, not structure. A value holding a `.` or `..` segment is refused: URL parsers resolve a
 * bare one, and some servers decode `%2F` before routing, so `..%2Fadmin` would climb there (the
 * transport refuses both too; here it is the event's fault, said so). An empty value is refused
 * as well (`/users//suspend` is another resource), and so is one with a lone UTF-16 surrogate,
 * which no URL can carry (../url.ts).
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function renderPath(t: string, event: unknown, at = 'path'): string {
  return t.replace(PLACEHOLDER, (placeholder) => {
    // The placeholder alone is a whole-value template: render() returns its value, not text.
    const text = asText(render(placeholder, event));
    if (!text) throw templateEmpty(at);
    const problem = segmentProblem(text);
    if (problem !== undefined) throw templateRefused(at, problem);
    return encodeURIComponent(text);
  });
}

/** Problems of the literal text (the transport refuses the same at run time, later). */
export function pathProblems(t: string, at: string): string[] {
  const problems = templateProblems(t, at);
  const literal = t.replace(PLACEHOLDER, 'x');
  if (!literal.startsWith('/') || literal.startsWith('//')) problems.push(`${at}: must start with a single /`);
  if (/[?#]/.test(literal)) problems.push(`${at}: must not hold ? or # (put parameters under query)`);
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\\\u0000-\u001f\u007f]/.test(literal)) problems.push(`${at}: must not hold \\ or control characters`);
  if (literal.split('/').some((s) => /^(?:%2e|\.){1,2}$/i.test(s))) problems.push(`${at}: must not hold dot segments`);
  return problems;
}
