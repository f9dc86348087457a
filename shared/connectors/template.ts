import { AppError } from '../errors';

/**
 * The small template language of connector destinations: how an event's fields become a ticket's
 * summary, a message's text or a request's body. `{{ path }}` reads a dot path of the CloudEvent
 * (`data.finding_info.title`, `data.resources.0.uid`, `subject`); `{{ a || b || 'text' }}` takes
 * the first one that is present and not empty. A string that is exactly one placeholder keeps
 * the value's type (a list stays a list); inside text, values are written as text (objects as
 * JSON). Objects and lists are rendered member by member. Nothing is evaluated: no expressions,
 * no functions, so a template from configuration cannot run anything.
 */
export type Template = string | number | boolean | null | Template[] | { [key: string]: Template };

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const PATH = /^[A-Za-z_$][\w$-]*(\.[\w$-]+)*$/;
const QUOTED = /^'([^']*)'$/;

function lookup(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const part of path.split('.')) {
    // Own members only: `constructor`, `__proto__` and the like read nothing.
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const empty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** The value of one placeholder's expression: alternatives separated by `||`, quoted text as a last resort. */
function evaluate(expr: string, root: unknown): unknown {
  for (const alt of expr.split('||').map((a) => a.trim())) {
    const literal = QUOTED.exec(alt);
    const v = literal ? literal[1] : lookup(root, alt);
    if (!empty(v)) return v;
  }
  return undefined;
}

const asText = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Problems of a template (bad placeholder syntax), with the path of each; [] when it is valid. */
export function templateProblems(t: Template, at = 'template'): string[] {
  if (typeof t === 'string') {
    return [...t.matchAll(PLACEHOLDER)].flatMap((m) =>
      m[1]!.split('||').map((a) => a.trim()).filter((a) => !QUOTED.test(a) && !PATH.test(a)).map((a) => `${at}: "${a}" is not a field path or 'quoted text'`));
  }
  if (Array.isArray(t)) return t.flatMap((x, i) => templateProblems(x, `${at}[${i}]`));
  if (t && typeof t === 'object') return Object.entries(t).flatMap(([k, x]) => templateProblems(x, `${at}.${k}`));
  return [];
}

/** Renders a template against an event (or any JSON value). */
export function render(t: Template, root: unknown): unknown {
  if (typeof t === 'string') {
    const whole = WHOLE.exec(t);
    if (whole) return evaluate(whole[1]!, root);
    return t.replace(PLACEHOLDER, (_m, expr: string) => asText(evaluate(expr, root)));
  }
  if (Array.isArray(t)) return t.map((x) => render(x, root));
  if (t && typeof t === 'object') {
    // Defined, not assigned: a member named `__proto__` (JSON and YAML keep it as a key) is data
    // like any other, never the result's prototype.
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(t)) {
      const v = render(x, root);
      if (v !== undefined) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return t;
}

/**
 * Renders a text template whose output has a syntax of its own (a form, JSON or XML body): each
 * placeholder's value goes through `escape`, so an event value stays one value of that syntax
 * instead of adding fields or elements. A template that is exactly one placeholder is the whole
 * output, with nothing around it to break out of, and is written as it is.
 */
export function renderEscaped(t: string, root: unknown, escape: (text: string) => string): string {
  const whole = WHOLE.exec(t);
  if (whole) return asText(evaluate(whole[1]!, root));
  return renderValues(t, root, escape);
}

/**
 * Renders a text template whose values must not carry markup of the target (ServiceNow's journal
 * `[code]` blocks): each placeholder's value goes through `escape`, a template that is exactly one
 * placeholder too, since there the whole text is the event's. The literal text is the
 * configuration's and is kept.
 */
export function renderValues(t: string, root: unknown, escape: (text: string) => string): string {
  return t.replace(PLACEHOLDER, (_m, expr: string) => escape(asText(evaluate(expr, root))));
}

/**
 * Renders a template that must give text (a summary, a title): empty is an error naming the field.
 * With `escape`, each value goes through it (renderValues).
 */
export function renderText(t: string, root: unknown, field: string, escape?: (text: string) => string): string {
  const text = (escape ? renderValues(t, root, escape) : asText(render(t, root))).trim();
  if (!text) throw new AppError('template_empty', `The template of ${field} gave no text for this event`, { status: 422, retryable: false });
  return text;
}
