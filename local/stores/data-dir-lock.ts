import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The embedded default's LevelDB and file store take one process at a time: this says which. */
export const LOCK_FILE = 'e2-ledger.lock';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

type Holder = { pid: number; command: string; since: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): Holder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder;
  } catch {
    return null;
  }
}

/** Who holds `dir` now, if a live process does. */
export function dataDirHolder(dir: string): Holder | null {
  const holder = readHolder(join(dir, LOCK_FILE));
  return holder && holder.pid !== process.pid && alive(holder.pid) ? holder : null;
}

/**
 * Takes `dir` for this process (creating it), or fails naming the process that holds it. A lock
 * left by a process that died (SIGKILL, a crash) is taken over.
 */
export function lockDataDir(dir: string, command: string): { release(): void } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() })}\n`);
      closeSync(fd);
      return {
        release() {
          if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder && holder.pid !== process.pid && alive(holder.pid))
        throw new DataDirInUseError(
          `${dir} is in use by e2-ledger ${holder.command} (pid ${holder.pid}, since ${holder.since}); wait for it to finish or stop it`,
        );
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirInUseError(`${dir} is being taken by another e2-ledger process; try again`);
}
