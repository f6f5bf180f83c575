import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layering rule (README "Layout") is enforced by Biome's noRestrictedImports in biome.json, which
 * `npm test` runs first. This proves the rule bites: probe files laid out like the project are linted
 * with the project's own configuration, and every forbidden import is reported while ports are not.
 */
const root = resolve(import.meta.dirname, '../..');
const DOMAIN = [
  'ledger',
  'calendar',
  'alerts',
  'collect',
  'billing',
  'reports',
  'documents',
  'status',
] as const;
const FORBIDDEN = [
  "import { E2Client } from '../e2/client.ts';",
  "import { dynamoLedgerStore } from '../store/dynamo-ledger-store.ts';",
  "import { openLedgerStores } from '../wiring/ledger-stores.ts';",
  "import { handler } from '../handlers/nightly.ts';",
  "import { routes } from '../api/routes.ts';",
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
  "import { Stack } from 'aws-cdk-lib';",
  "import { request } from 'undici';",
] as const;
const ALLOWED = [
  "import type { SnapshotStore } from '../ledger/ports.ts';",
  "import { calendarDay } from '../calendar/calendar-values.ts';",
  "import { z } from 'zod';",
  "import { addDays } from 'date-fns';",
] as const;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'e2l-layering-'));
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
  config.$schema = undefined;
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  const write = (path: string, imports: readonly string[]) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${imports.join('\n')}\n\nexport const probe = 1;\n`);
  };
  for (const folder of DOMAIN) {
    FORBIDDEN.forEach((line, i) => {
      write(`lambdas/${folder}/forbidden-${i}.ts`, [line]);
    });
    write(`lambdas/${folder}/allowed.ts`, ALLOWED);
  }
  // Adapters may depend on the domain: the rule is one-way.
  write('lambdas/e2/adapter.ts', ["import type { UsageSource } from '../ledger/usage-source.ts';"]);
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function restrictedImportFiles(): Set<string> {
  let out: string;
  try {
    out = execFileSync(
      join(root, 'node_modules/.bin/biome'),
      ['lint', '--reporter=github', '--max-diagnostics=none', '.'],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (error) {
    out = String((error as { stdout?: string }).stdout ?? '');
  }
  const files = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^::error title=lint\/style\/noRestrictedImports,file=([^,]+),/.exec(line);
    if (m?.[1]) files.add(relative(dir, resolve(dir, m[1])));
  }
  return files;
}

describe('dependency rule', () => {
  it('reports every adapter, AWS, CDK and HTTP import from each domain folder, and no port import', () => {
    const flagged = restrictedImportFiles();
    const expected = DOMAIN.flatMap((folder) =>
      FORBIDDEN.map((_, i) => `lambdas/${folder}/forbidden-${i}.ts`),
    );
    expect(expected).toHaveLength(DOMAIN.length * FORBIDDEN.length);
    expect([...flagged].sort()).toEqual(expected.sort());
  });
});
