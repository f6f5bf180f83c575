#!/usr/bin/env node
// Entry point for `npx e2-ledger`: loads the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('./cli.ts');
