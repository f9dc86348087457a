// One bundle per cloud x function. Run through tsx (`npm run build`) so it can validate the
// configuration with the project's own TypeScript schema before bundling it in.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configPath, validateForBuild } from './scripts/config-file.ts';
import { localBundleName, lockBundle } from './scripts/bundle-lock.ts';

const FUNCTIONS = ['webhook-ingress', 'event-router', 'health', 'api', 'webhook-delivery', 'storage-ingest', 'scheduler'];

/**
 * undici ships its HTTP parser twice as base64 WebAssembly (plain and SIMD, 72 KB each) and tries
 * the SIMD build first inside a try/catch. Leaving it out of the bundles makes that require fail
 * and undici use the plain build: same behaviour, 72 KB less per function.
 */
const withoutSimdParser = {
  name: 'without-simd-parser',
  setup(b) {
    b.onResolve({ filter: /llhttp_simd-wasm\.js$/ }, () => ({ path: 'undici-llhttp-simd (left out of the bundle)', external: true }));
  },
};

/**
 * Drivers of the self-hosted state stores (Redis, PostgreSQL), about 290 KB together: loaded only
 * when `store` names them, from node_modules (locally the checkout's; on a cloud the deploy
 * package adds them, see README "State store"), never bundled.
 */
const SELF_HOSTED = ['pg', 'pg-native', 'ioredis'];

/**
 * The undici parts the outbound clients use (shared/http/undici-parts.ts, about 210 KB) are a file
 * of their own beside each bundle, required on the first outbound request: a function that never
 * calls out (most ingress cold starts) neither parses nor loads them. Each target's `parts` names
 * that file; an Azure app loads every file its `main` glob (functions/*.js) matches, so it is kept
 * outside that folder there.
 */
const UNDICI_PARTS = 'shared/http/undici-parts.ts';
const undiciPartsBeside = (outfile, partsFile) => ({
  name: 'undici-parts-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\/undici-parts$/ }, (args) => {
      if (dirname(args.importer) !== join(dirname(fileURLToPath(import.meta.url)), dirname(UNDICI_PARTS))) return undefined;
      const path = relative(dirname(outfile), partsFile);
      return { path: path.startsWith('.') ? path : `./${path}`, external: true };
    });
  },
});

/**
 * Per target: entry folder, output layout under the output root `dist` (dist/ for npm run build),
 * and what stays external (shipped by the runtime or the app package).
 */
const TARGETS = {
  // Lambda's Node runtime ships the AWS SDK v3.
  aws: { src: 'providers/aws/functions', out: (fn, dist) => `${dist}/aws/${fn}/index.js`, parts: (fn, dist) => `${dist}/aws/${fn}/undici-parts.js`, external: ['@aws-sdk/*'] },
  // serverless-offline runs these from the checkout: node_modules is there; better-sqlite3 is native.
  // SECORCH_LOCAL_BUNDLE names the folder, so two local servers (tests, benchmarks) can run at once.
  local: { src: 'providers/local/functions', out: (fn, dist) => `${dist}/${localBundle()}/${fn}/index.js`, parts: (fn, dist) => `${dist}/${localBundle()}/${fn}/undici-parts.js`, external: ['@aws-sdk/*', 'better-sqlite3'] },
  // The Functions host provides @azure/functions-core; the app's package.json installs the rest:
  // the Service Bus client (about 600 KB with its AMQP stack) would otherwise be in every bundle,
  // and the host loads every function's bundle into one process.
  azure: { src: 'providers/azure/functions', out: (fn, dist) => `${dist}/azure/functions/${fn}.js`, parts: (_, dist) => `${dist}/azure/lib/undici-parts.js`, external: ['@azure/functions-core', '@azure/service-bus'] },
  // The functions framework is the process host on GCP; it and the Pub/Sub client come from the deploy package.json.
  gcp: { src: 'providers/gcp/functions', out: (fn, dist) => `${dist}/gcp/${fn}/index.js`, parts: (fn, dist) => `${dist}/gcp/${fn}/undici-parts.js`, external: ['@google-cloud/*'] },
};

const GCP_FUNCTIONS = ['api', 'event-router', 'webhook-delivery', 'storage-ingest', 'scheduler'];
const localBundle = () => localBundleName(process.env);
/** Functions only one target has: EventBridge findings exist on AWS alone; the workers beside serverless-offline are local. */
const EXTRA = { aws: ['cloud-findings'], local: ['delivery-worker', 'inbox-worker', 'router-worker'] };

/**
 * One function of a target as `npm run build` ships it: its bundle, with `raw` compiled in as the
 * configuration (buildAll validates it first), and the undici parts file it requires, unless
 * `partsBuilt` already holds that file (Azure's functions share one). `dist` is the output root:
 * a test builds the shipped layout into a folder of its own rather than replacing dist/. Entry
 * points are relative to the working directory, the checkout. Returns the row buildAll prints.
 */
export async function buildFunction({ target, fn, raw, dist = 'dist', partsBuilt = new Set() }) {
  const t = TARGETS[target];
  const outfile = t.out(fn, dist);
  const partsFile = t.parts(fn, dist);
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    external: [...t.external, ...SELF_HOSTED],
    define: { __SECORCH_CONFIG__: JSON.stringify(raw) },
    logLevel: 'warning',
  };
  await build({ ...common, entryPoints: [join(t.src, `${fn}.ts`)], outfile, plugins: [withoutSimdParser, undiciPartsBeside(outfile, partsFile)] });
  if (!partsBuilt.has(partsFile)) {
    partsBuilt.add(partsFile);
    await build({ ...common, entryPoints: [UNDICI_PARTS], outfile: partsFile, plugins: [withoutSimdParser] });
  }
  return { target, fn, file: outfile, bytes: statSync(outfile).size, parts: { file: partsFile, bytes: statSync(partsFile).size } };
}

export async function buildAll({ targets = Object.keys(TARGETS), quiet = false, config = configPath() } = {}) {
  const raw = validateForBuild(config);
  const rows = [];
  for (const target of targets) {
    rmSync(`dist/${target === 'local' ? localBundle() : target}`, { recursive: true, force: true });
    const fns = [...(target === 'gcp' ? GCP_FUNCTIONS : FUNCTIONS), ...(EXTRA[target] ?? [])];
    const partsBuilt = new Set();
    for (const fn of fns) rows.push(await buildFunction({ target, fn, raw, partsBuilt }));
  }
  packageFiles(targets);
  if (!quiet) {
    console.log(`configuration: ${config}`);
    const kb = (bytes) => `${(bytes / 1024).toFixed(1).padStart(8)} KB`;
    for (const r of rows) console.log(`${r.file.padEnd(42)} ${kb(r.bytes)}   + undici-parts.js ${kb(r.parts.bytes).trim()} (loaded on the first outbound request)`);
  }
  return rows;
}

/** Makes dist/azure and each dist/gcp/<fn> a deployable app root (host.json, package.json). */
function packageFiles(targets) {
  if (targets.includes('azure')) {
    for (const f of ['host.json', 'package.json']) copyFileSync(join('azure', f), join('dist/azure', f));
  }
  if (targets.includes('gcp')) {
    const pkg = JSON.parse(readFileSync('gcp/package.json', 'utf8'));
    for (const fn of GCP_FUNCTIONS) {
      mkdirSync(dirname(`dist/gcp/${fn}/package.json`), { recursive: true });
      writeFileSync(`dist/gcp/${fn}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
    }
  }
}

/**
 * `npm run build`: the local bundle folder is taken as npm start takes it (scripts/bundle-lock.ts)
 * for as long as the build runs: emptied under a running npm start, it left that npm start's
 * workers and functions without their files, or running this build's configuration at their next
 * restart. Held by one, the build stops before anything is built, saying what to run instead.
 */
async function cli(args) {
  const targets = args.length ? args : Object.keys(TARGETS);
  // Checked before anything is removed: an unknown name failed midway, after the folders named before it were rebuilt.
  const unknown = targets.filter((t) => !Object.hasOwn(TARGETS, t));
  if (unknown.length > 0) throw new Error(`unknown target "${unknown[0]}": the targets are ${Object.keys(TARGETS).join(', ')}`);
  const release = targets.includes('local') ? lockBundle('dist', localBundle(), process.pid, 'npm run build') : () => undefined;
  process.on('exit', release);
  try {
    await buildAll({ targets });
  } finally {
    release();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  cli(process.argv.slice(2)).catch((e) => {
    console.error(`build failed: ${e.message}`);
    process.exit(1);
  });
}
