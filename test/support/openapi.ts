import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * Contract checks of connector requests and responses against a vendor's API description
 * (OpenAPI 3.0/3.1 or Swagger 2.0): the path and method exist, required parameters are sent and
 * no undeclared query parameter is, and the body validates against the request (or response)
 * schema with ajv. OpenAPI 3.0's `nullable` is turned into a JSON Schema type list first; other
 * OpenAPI-only keywords are ignored (ajv non-strict).
 */
type Json = Record<string, unknown>;
type Param = { name: string; in: string; required?: boolean; schema?: Json; type?: string };

export interface RequestToCheck {
  method: string;
  /** The full URL sent, e.g. http://127.0.0.1:5000/rest/api/3/issue?x=1. */
  url: string;
  headers?: Record<string, string>;
  /** JSON body (parsed), or form fields for a form-encoded body. */
  body?: unknown;
}

export interface OpenApiSpec {
  requestProblems(req: RequestToCheck): string[];
  responseProblems(req: Pick<RequestToCheck, 'method' | 'url'>, status: number, body: unknown): string[];
}

/** OpenAPI 3.0 `nullable: true` -> JSON Schema `type: [t, 'null']` (and enum gains null), everywhere; examples dropped. */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  // Examples and vendor extensions are not schemas, but ajv scans them for $id (Okta's hold some).
  for (const [k, v] of Object.entries(node)) if (k !== 'example' && k !== 'examples' && !k.startsWith('x-')) out[k] = normalize(v);
  // A oneOf with a discriminator picks its branch by that property, so branches may overlap
  // (Okta's StandardRole also matches CustomRole); JSON Schema's oneOf would then refuse every
  // value. anyOf is what the discriminator leaves to check without ajv's stricter rules for it.
  if (out.discriminator && Array.isArray(out.oneOf)) {
    out.anyOf = out.oneOf;
    delete out.oneOf;
  }
  if (out.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');

export interface SpecOptions {
  /** The API's base path in request URLs, when the description's servers/basePath does not say it. */
  basePath?: string;
  /**
   * Query parameters the vendor documents but this description leaves out (name the vendor doc
   * where you pass them); every other undeclared parameter is still a problem.
   */
  documentedQuery?: string[];
}

export function loadSpec(file: string, opts: SpecOptions = {}): OpenApiSpec {
  const text = readFileSync(file, 'utf8');
  const doc = normalize(file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Json;
  const swagger2 = typeof doc.swagger === 'string';
  const servers = doc.servers as { url: string }[] | undefined;
  const declaredBase = swagger2 ? String(doc.basePath ?? '') : new URL(servers?.[0]?.url.replace(/\{[^}]+\}/g, 'x') ?? '/', 'http://x').pathname;
  const basePath = (opts.basePath ?? declaredBase).replace(/\/$/, '');
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'spec');
  const compiled = new Map<string, ValidateFunction>();
  const validator = (ptr: string) => {
    let v = compiled.get(ptr);
    if (!v) compiled.set(ptr, (v = ajv.compile({ $ref: `spec#/${ptr}` })));
    return v;
  };
  const deref = <T>(node: T): T => {
    let n: unknown = node;
    for (let i = 0; i < 10 && n && typeof n === 'object' && typeof (n as Json).$ref === 'string'; i++) {
      const ref = ((n as Json).$ref as string).replace(/^#\//, '').split('/').map((p) => decodeURIComponent(p).replaceAll('~1', '/').replaceAll('~0', '~'));
      n = ref.reduce<unknown>((o, k) => (o as Json | undefined)?.[k], doc);
    }
    return n as T;
  };
  const paths = Object.keys(doc.paths as Json).map((template) => ({
    template,
    literal: template.split('/').filter((s) => !s.startsWith('{')).length,
    re: new RegExp(`^${template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`),
  })).sort((a, b) => b.literal - a.literal);

  const find = (method: string, url: string) => {
    const u = new URL(url);
    let path = decodeURI(u.pathname);
    if (basePath && path.startsWith(basePath)) path = path.slice(basePath.length) || '/';
    const match = paths.find((p) => p.re.test(path));
    if (!match) return { problems: [`${method} ${path}: no such path in the description`] };
    const item = (doc.paths as Json)[match.template] as Json;
    const m = method.toLowerCase();
    if (!item[m]) return { problems: [`${method} ${match.template}: no such method for this path`] };
    return { u, template: match.template, item, op: item[m] as Json, m, problems: [] as string[] };
  };

  return {
    requestProblems(req) {
      const f = find(req.method, req.url);
      if (!f.op) return f.problems;
      const where = `${req.method} ${f.template}`;
      const problems: string[] = [];
      const params = [...((f.item.parameters as Param[]) ?? []), ...((f.op.parameters as Param[]) ?? [])].map((p) => deref(p));
      const query = params.filter((p) => p.in === 'query');
      for (const key of new Set(f.u!.searchParams.keys())) if (!query.some((p) => p.name === key) && !opts.documentedQuery?.includes(key)) problems.push(`${where}: undeclared query parameter ${key}`);
      for (const p of params.filter((x) => x.required)) {
        if (p.in === 'query' && !f.u!.searchParams.has(p.name)) problems.push(`${where}: missing required query parameter ${p.name}`);
        if (p.in === 'header' && !Object.keys(req.headers ?? {}).some((h) => h.toLowerCase() === p.name.toLowerCase())) problems.push(`${where}: missing required header ${p.name}`);
      }
      if (swagger2) {
        const bodyParam = params.find((p) => p.in === 'body');
        const form = params.filter((p) => p.in === 'formData');
        if (bodyParam && req.body !== undefined) problems.push(...check(validator(pointer('paths', f.template, f.m, 'parameters', String(((f.op.parameters as Param[]) ?? []).indexOf(bodyParam)), 'schema')), req.body, where));
        if (form.length > 0) {
          const fields = (req.body ?? {}) as Record<string, unknown>;
          for (const k of Object.keys(fields)) if (!form.some((p) => p.name === k)) problems.push(`${where}: undeclared form field ${k}`);
          for (const p of form.filter((x) => x.required)) if (fields[p.name] === undefined) problems.push(`${where}: missing required form field ${p.name}`);
        }
        return problems;
      }
      const rb = deref(f.op.requestBody as Json | undefined);
      if (req.body === undefined) {
        if (rb?.required) problems.push(`${where}: the request body is required`);
        return problems;
      }
      if (!rb) return [...problems, `${where}: sends a body, the operation takes none`];
      const content = rb.content as Json;
      const type = Object.keys(content).find((t) => t.includes('json')) ?? Object.keys(content)[0]!;
      // A media type declared without a schema (ServiceNow's table POST/PUT) constrains nothing.
      if (!(content[type] as Json | undefined)?.schema) return problems;
      const base = (f.op.requestBody as Json).$ref ? ((f.op.requestBody as Json).$ref as string).replace(/^#\//, '') : pointer('paths', f.template, f.m, 'requestBody');
      return [...problems, ...check(validator(`${base}/${pointer('content', type, 'schema')}`), req.body, where)];
    },
    responseProblems(req, status, body) {
      const f = find(req.method, req.url);
      if (!f.op) return f.problems;
      const where = `${req.method} ${f.template} -> ${status}`;
      const responses = f.op.responses as Json;
      const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k]);
      if (!key) return [`${where}: no such response in the description`];
      const res = deref(responses[key] as Json);
      const resBase = (responses[key] as Json).$ref ? ((responses[key] as Json).$ref as string).replace(/^#\//, '') : pointer('paths', f.template, f.m, 'responses', key);
      if (swagger2) return res.schema ? check(validator(`${resBase}/schema`), body, where) : [];
      const content = res.content as Json | undefined;
      const type = content && Object.keys(content).find((t) => t.includes('json'));
      if (!type || !(content![type] as Json).schema) return body === undefined || body === '' ? [] : [];
      return check(validator(`${resBase}/${pointer('content', type, 'schema')}`), body, where);
    },
  };
}

function check(validate: ValidateFunction, value: unknown, where: string): string[] {
  return validate(value) ? [] : (validate.errors ?? []).slice(0, 10).map((e) => `${where}: body${e.instancePath} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}
