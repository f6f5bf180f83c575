import { E2Client } from '../../lambdas/e2/client.ts';
import type { TransportOptions } from '../../lambdas/e2/transport.ts';
import { E2Simulator, type SimulatorOptions } from '../../local/simulator/server.ts';

export const TEST_TODAY = '2026-11-15';
export const TEST_TOKEN = 'test-token-0123456789';

/** Starts a simulator on a free port and a client pointed at it, with instant retries. */
export async function startSim(options: SimulatorOptions = {}, transport: TransportOptions = {}) {
  const sim = new E2Simulator({ seed: 7, users: 30, today: TEST_TODAY, token: TEST_TOKEN, ...options });
  const url = await sim.start(0);
  const client = new E2Client(
    { apiUrl: url, token: options.token ?? TEST_TOKEN },
    { sleep: async () => {}, timeoutMs: 2_000, ...transport },
  );
  return {
    sim,
    client,
    url,
    async stop() {
      await client.close();
      await sim.stop();
    },
  };
}
