import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import bundled from 'jsonata/jsonata.min.js' with { type: 'text' };

/**
 * The source text of jsonata's own build (jsonata.min.js of the installed `jsonata` package), which
 * the transform worker runs (./worker.ts). The deployed bundles carry no node_modules: esbuild
 * inlines the file as a string (import attribute `type: 'text'`). Jest (SWC) and tsx ignore the
 * attribute and give the module instead; they run from the checkout, where the file is at hand
 * (createRequire rather than require.resolve, which esbuild would warn about).
 */
export function jsonataSource(): string {
  if (typeof bundled === 'string') return bundled;
  return readFileSync(createRequire(__filename).resolve('jsonata/jsonata.min.js'), 'utf8');
}
