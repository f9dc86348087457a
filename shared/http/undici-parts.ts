/* eslint-disable @typescript-eslint/no-require-imports */
import type { Agent as AgentType, buildConnector as BuildConnector, Dispatcher } from 'undici';

/**
 * The three parts of the undici package our outbound clients use, by path: the package's index
 * also loads fetch, WebSocket, the cache and mocks (over 500 KB in a function bundle). Callers
 * require this module when the first outbound connection is made, not when they load, and
 * `npm run build` makes it a file of its own beside each function's bundle (esbuild.config.mjs):
 * about 210 KB that a function never calling out neither parses nor loads at cold start.
 * Node's own fetch takes the Agent as its dispatcher, so responses are the global Web classes.
 */
export const Agent: typeof AgentType = require('undici/lib/dispatcher/agent.js');
export const buildConnector: typeof BuildConnector = require('undici/lib/core/connect.js');

/** undici's request(), called with the dispatcher as `this`. */
export type RequestFn = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
export const request: RequestFn = require('undici/lib/api/api-request.js');
