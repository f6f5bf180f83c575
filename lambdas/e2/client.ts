import type { E2Config } from './config.ts';
import { AccessKeysResource } from './resources/access-keys.ts';
import { CnamesResource } from './resources/cnames.ts';
import { StorageResource } from './resources/storage.ts';
import { SubusersResource } from './resources/subusers.ts';
import { UsersResource } from './resources/users.ts';
import { E2Transport, type TransportOptions, type TransportStats } from './transport.ts';

/**
 * The IDrive e2 Reseller and Subuser API: 28 operations in five groups.
 * `new E2Client(e2ConfigFromEnv())`, then e.g. `client.users.usageStats(email, from, to)`.
 */
export class E2Client {
  readonly users: UsersResource;
  readonly storage: StorageResource;
  readonly accessKeys: AccessKeysResource;
  readonly cnames: CnamesResource;
  readonly subusers: SubusersResource;
  readonly #transport: E2Transport;

  constructor(config: E2Config, options: TransportOptions = {}) {
    this.#transport = new E2Transport(config, options);
    this.users = new UsersResource(this.#transport);
    this.storage = new StorageResource(this.#transport);
    this.accessKeys = new AccessKeysResource(this.#transport);
    this.cnames = new CnamesResource(this.#transport);
    this.subusers = new SubusersResource(this.#transport);
  }

  /** Requests sent (attempts, including retries) and retries taken since construction. */
  get stats(): Readonly<TransportStats> {
    return this.#transport.stats;
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}
