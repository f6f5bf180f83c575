import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from './aws/processes.ts';

export type ReferenceFixture = {
  users: {
    email: string;
    first_name: string;
    last_name: string | null;
    /** As the API sends it: `YYYY-MM-DD HH:MM:SS`. */
    created: string;
    signed_up: boolean;
    active: boolean;
    quota_gb: number;
  }[];
  /** email -> date -> [disk_used, uploads, downloads] bytes. */
  usage: Record<string, Record<string, [number, number, number]>>;
  /** email -> date -> number of activity records. */
  activity: Record<string, Record<string, number>>;
};

/** The reference-following IDrive e2 server in Python (reference_server.py), on a free port. */
export async function startReferenceServer(fixture: ReferenceFixture, token: string) {
  const dir = mkdtempSync(join(tmpdir(), 'e2l-ref-'));
  const data = join(dir, 'fixture.json');
  writeFileSync(data, JSON.stringify(fixture));
  const proc = await startProcess(
    'reference server',
    'python3',
    [join(import.meta.dirname, 'reference_server.py'), '--data', data, '--token', token],
    /reference server ready on (\d+)/,
  );
  const url = `http://127.0.0.1:${proc.match[1]}`;
  return {
    url,
    /** Changes one day upstream, as IDrive's late or corrected figures would. */
    async setUsage(
      email: string,
      date: string,
      values: { disk_used?: number; uploads?: number; downloads?: number },
    ) {
      const res = await fetch(`${url}/__control/usage`, {
        method: 'POST',
        body: JSON.stringify({ email, date, ...values }),
      });
      if (!res.ok) throw new Error(`reference server refused the change: ${res.status}`);
    },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
