import type { Route } from './route.ts';
import { accountRoutes } from './routes/accounts.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { storageRoutes } from './routes/storage.ts';
import { subuserRoutes } from './routes/subusers.ts';

/** Every admin route, in the order the OpenAPI document lists them. Route ids are unique. */
export const routes: readonly Route[] = [
  ...accountRoutes,
  ...storageRoutes,
  ...subuserRoutes,
  ...ledgerRoutes,
];
