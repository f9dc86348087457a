/** Stops the emulators started by global-setup, by PID. */
export default async function globalTeardown(): Promise<void> {
  const pids = (globalThis as { __secorchEmulatorPids?: number[] }).__secorchEmulatorPids ?? [];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
