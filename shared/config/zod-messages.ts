import { config } from 'zod/mini';
// The locale file alone: the `locales` namespace would bundle every language (jest, which runs
// CommonJS, loads its .cjs twin: jest.config.js).
import en from 'zod/v4/locales/en.js';

/**
 * zod/mini ships without messages: until a locale is set, every problem reads "Invalid input",
 * which names neither what was expected nor what was found. The English locale makes a config
 * error say "expected number, received string" or list the allowed values. Set once, for every schema, when the configuration is compiled.
 */
config(en());
