import type { RunLauncher } from '../../lambdas/api/routes.ts';
import { completeRun, type RunDeps, startRun } from '../../lambdas/collect/run-collection.ts';

/** Backfills on a laptop: the run starts at once and continues in this process after the 202. */
export class LocalRunLauncher implements RunLauncher {
  readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: RunDeps,
    private readonly onError: (runId: string, error: unknown) => void,
  ) {}

  async start(request: { kind: 'backfill'; from: string; to: string }, runId: string) {
    const started = await startRun(this.deps, request, { runId });
    const work = completeRun(this.deps, request, started).catch((error) => this.onError(runId, error));
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
    return { executionArn: null };
  }

  /** Waits for runs still going (server shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.all(this.running);
  }
}
