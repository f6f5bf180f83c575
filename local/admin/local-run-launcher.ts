import type { RunLauncher } from '../../lambdas/api/route.ts';
import { completeRun, type RunDeps, startRun } from '../../lambdas/collect/run-collection.ts';

/** Backfills on a laptop: the run starts at once and continues in this process after the 202. */
export class LocalRunLauncher implements RunLauncher {
  readonly running = new Set<Promise<unknown>>();
  readonly #stopping = new AbortController();

  constructor(
    private readonly deps: RunDeps,
    private readonly onError: (runId: string, error: unknown) => void,
  ) {}

  async start(request: { kind: 'backfill'; from: string; to: string; onlyMissing?: boolean }, runId: string) {
    const deps = { ...this.deps, signal: this.#stopping.signal };
    const started = await startRun(deps, request, { runId }, { directoryInBackground: true });
    const work = completeRun(deps, request, started).catch((error) => this.onError(runId, error));
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
    return { executionArn: null };
  }

  /** Waits for runs still going (tests). */
  async drain(): Promise<void> {
    await Promise.all(this.running);
  }

  /**
   * Shutting down: runs stop between days, are recorded as interrupted (what they stored stays), and
   * the same backfill with onlyMissing completes them later.
   */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.drain();
  }
}
