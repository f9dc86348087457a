// Builds one function with esbuild.config.mjs's buildFunction, so exactly as `npm run build` ships
// it, in a Node process of its own started with tsx (`node --import tsx`): the build configuration
// imports the project's TypeScript and is an ES module, which jest's CommonJS runtime cannot load.
// Run from the checkout. argv: target, function, output root, configuration (JSON). Prints the row.
import { buildFunction } from '../../esbuild.config.mjs';

const [target, fn, dist, config] = process.argv.slice(2);
const row = await buildFunction({ target, fn, dist, raw: JSON.parse(config) });
process.stdout.write(`${JSON.stringify(row)}\n`);
