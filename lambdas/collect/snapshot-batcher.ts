import type { UsageSnapshot } from '../ledger/model.ts';
import type { SnapshotStore } from '../ledger/ports.ts';

const BATCH = 25;

/**
 * Coalesces the snapshot writes of users collected at once into full 25-item BatchWriteItem calls.
 * Each caller's promise settles only when its own items are written, so a user's cursor never moves
 * ahead of its stored days; a failed write fails every caller whose items were in it.
 */
export class SnapshotBatcher {
  #waiting: { items: readonly UsageSnapshot[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #queued = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ledger: Pick<SnapshotStore, 'putSnapshots'>,
    /** How long a part-filled batch waits for more items. */
    private readonly lingerMs = 2,
  ) {}

  put(items: readonly UsageSnapshot[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiting.push({ items, resolve, reject });
      this.#queued += items.length;
      if (this.#queued >= BATCH) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.lingerMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = this.#waiting.splice(0);
    this.#queued = 0;
    if (waiting.length === 0) return;
    this.ledger.putSnapshots(waiting.flatMap((w) => w.items)).then(
      () => {
        for (const w of waiting) w.resolve();
      },
      (error: unknown) => {
        for (const w of waiting) w.reject(error);
      },
    );
  }
}
