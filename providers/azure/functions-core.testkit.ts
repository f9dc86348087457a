/**
 * The worker's core API (`@azure/functions-core`), which only the Functions host provides, as a
 * recorder of the functions the real @azure/functions `app` registers. A test file installs it with
 *   jest.mock('@azure/functions-core', () => jest.requireActual('./functions-core.testkit').core, { virtual: true });
 * and reads `registered` (the metadata the host would index: name and bindings).
 */
export interface RegisteredFunction {
  name: string;
  bindings: Record<string, Record<string, unknown>>;
}

export const registered: RegisteredFunction[] = [];

export const core = {
  setProgrammingModel: () => undefined,
  registerHook: () => ({ dispose: () => undefined }),
  registerFunction: (metadata: RegisteredFunction) => {
    registered.push(metadata);
    return { dispose: () => undefined };
  },
};
