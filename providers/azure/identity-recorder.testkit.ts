/**
 * No emulator exists for Entra ID: tests replace @azure/identity by this recorder of the options
 * each DefaultAzureCredential is built with, whose tokens are fakes no service would take.
 *   jest.mock('@azure/identity', () => jest.requireActual('./identity-recorder.testkit').identityModule);
 */
// On globalThis: tests that reset the module registry load this file again, and every copy must
// record into the one list the test reads.
const store = globalThis as { secorchCredentialOptions?: unknown[] };
export const mockCredentialOptions: unknown[] = (store.secorchCredentialOptions ??= []);

class RecordingCredential {
  constructor(options: unknown) {
    mockCredentialOptions.push(options);
  }
  async getToken() {
    return { token: 'fake-token', expiresOnTimestamp: 4102444800000 };
  }
}

export const identityModule = { DefaultAzureCredential: RecordingCredential };
