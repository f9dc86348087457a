import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The import rule of DESIGN.md, enforced by `npm run lint` (eslint.config.mjs), run for real. */
const ROOT = join(__dirname, '..');
function lint(filePath: string, code: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', filePath], {
    cwd: ROOT, input: code, encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('lint: the import rules', () => {
  test('a cloud SDK imported under functions/ fails lint', () => {
    const r = lint('functions/webhook-ingress/bad.ts', "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const c = new SQSClient({});\n");
    expect(r.status).toBe(1);
    expect(r.out).toContain('Cloud SDKs and trigger types belong in providers/ only');
  });

  test('trigger types, Azure and Google SDKs, and providers/ are refused in shared/ too', () => {
    for (const [code, message] of [
      ["import type { SQSEvent } from 'aws-lambda';\nexport type E = SQSEvent;\n", 'belong in providers/ only'],
      ["import { app } from '@azure/functions';\nexport const a = app;\n", 'belong in providers/ only'],
      ["import { PubSub } from '@google-cloud/pubsub';\nexport const p = PubSub;\n", 'belong in providers/ only'],
      ["import { awsDeps } from '../../providers/aws/deps';\nexport const d = awsDeps;\n", 'shared/ imports only shared/'],
    ] as const) {
      const r = lint('shared/http/bad.ts', code);
      expect(r.status).toBe(1);
      expect(r.out).toContain(message);
    }
  });

  test('process.env and Date.now() are refused in the core', () => {
    const r = lint('shared/http/bad.ts', 'export const a = process.env.X;\nexport const b = Date.now();\n');
    expect(r.status).toBe(1);
    expect(r.out).toContain('Use deps.clock.now()');
    expect(r.out).toContain('Read configuration in a provider composition root');
  });

  test('the same import is fine under providers/', () => {
    const r = lint('providers/aws/ok.ts', "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const c = new SQSClient({});\n");
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });
});
