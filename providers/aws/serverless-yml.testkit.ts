import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Test helper (not shipped): serverless.yml as the framework resolves it for a stage (`osls print`,
 * every ${...} variable replaced), and its CloudFormation conditions evaluated as CloudFormation
 * would for the literal values the resolution left. `osls print` takes seconds where `osls package`
 * takes half a minute: enough for what `resources` say, which the framework copies into the
 * template unchanged (test/deploy/aws-package.test.ts packages the whole thing).
 */
const ROOT = join(__dirname, '..', '..');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function resolvedServerlessYml(stage: string, env: Record<string, string> = {}): Record<string, Json> {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'print', '--stage', stage, '--format', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
    // Only what the framework needs: the caller's shell must not decide the outcome.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_WEBHOOK_SECRET: 'from-the-deploy-environment', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...env },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`osls print failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Record<string, Json>;
}

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
const NO_VALUE = Symbol('AWS::NoValue');

/**
 * `resources.Resources` with every `Fn::If` replaced by the branch its condition picks and
 * `{ Ref: AWS::NoValue }` removed, for conditions built from Fn::Equals, Fn::Not, Fn::And, Fn::Or
 * and Condition over literals (anything else throws: the test then says what it cannot read).
 */
export function evaluatedResources(yml: Record<string, Json>): Record<string, Json> {
  const resources = yml.resources;
  if (!isObject(resources) || !isObject(resources.Resources)) throw new Error('serverless.yml has no resources.Resources');
  const conditions = isObject(resources.Conditions) ? resources.Conditions : {};
  const condition = (name: string): boolean => {
    if (!(name in conditions)) throw new Error(`no condition ${name}`);
    return truth(conditions[name]!);
  };
  const truth = (c: Json): boolean => {
    if (!isObject(c)) throw new Error(`not a condition: ${JSON.stringify(c)}`);
    const [fn, args] = Object.entries(c)[0] ?? [];
    if (fn === 'Condition' && typeof args === 'string') return condition(args);
    if (!Array.isArray(args)) throw new Error(`cannot evaluate ${JSON.stringify(c)}`);
    if (fn === 'Fn::Not') return !truth(args[0]!);
    if (fn === 'Fn::And') return args.every(truth);
    if (fn === 'Fn::Or') return args.some(truth);
    if (fn === 'Fn::Equals' && args.every((a) => typeof a === 'string')) return args[0] === args[1];
    throw new Error(`cannot evaluate ${JSON.stringify(c)}`);
  };
  const walk = (v: Json): Json | typeof NO_VALUE => {
    if (Array.isArray(v)) return v.map(walk).filter((x): x is Json => x !== NO_VALUE);
    if (!isObject(v)) return v;
    if (v.Ref === 'AWS::NoValue') return NO_VALUE;
    const when = v['Fn::If'];
    if (Array.isArray(when) && typeof when[0] === 'string') return walk(condition(when[0]) ? when[1]! : when[2]!);
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) {
      const w = walk(x);
      if (w !== NO_VALUE) out[k] = w;
    }
    return out;
  };
  return walk(resources.Resources) as Record<string, Json>;
}
