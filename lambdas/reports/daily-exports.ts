import { Readable } from 'node:stream';
import { expectedUsers } from '../ledger/expected-users.ts';
import type { UsageSnapshot, UserProfile } from '../ledger/model.ts';
import type { AuditTrail, ObjectStore, SnapshotStore, StoredObject } from '../ledger/ports.ts';
import { csvHeader, csvRows } from './csv.ts';
import { ACTIVITY_COLUMNS, ADMIN_AUDIT_COLUMNS, reportKeys, USAGE_COLUMNS } from './layout.ts';

export type ExportDeps = {
  readonly ledger: SnapshotStore & AuditTrail;
  /** Reports and staging. */
  readonly objects: ObjectStore;
  /** Audit files (activity, admin changes): the Object Lock bucket in AWS; `objects` when not given. */
  readonly auditObjects?: ObjectStore;
};

export type ExportManifest = {
  readonly report: 'daily-usage' | 'activity';
  readonly day: string;
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly rows: number;
  readonly runId: string;
  /** Every user expected on that day has a stored snapshot. */
  readonly complete: boolean;
  readonly expectedUsers: number;
  readonly collectedUsers: number;
  readonly missingUsers: readonly string[];
};

const compareEmail = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `usage/daily/YYYY/MM/DD/usage-YYYY-MM-DD.csv`: one row per user with a snapshot, plus a row marked
 * `missing` (no numbers) for every expected user without one. Streamed from the per-day index in
 * email order, so the file is byte-identical however often the day is re-collected.
 */
export async function writeDailyUsage(
  deps: ExportDeps,
  day: string,
  runId: string,
  profiles: readonly UserProfile[],
): Promise<ExportManifest> {
  const byEmail = new Map(profiles.map((p) => [p.email, p]));
  const expected = expectedUsers(profiles, day);
  const missing: string[] = [];
  let rows = 0;
  let collected = 0;

  async function* lines(): AsyncGenerator<string> {
    yield csvHeader(USAGE_COLUMNS);
    let e = 0;
    const missingRowsBefore = (email: string | null) => {
      const out: string[] = [];
      while (e < expected.length && (email === null || compareEmail(expected[e]!.email, email) < 0)) {
        const p = expected[e++]!;
        missing.push(p.email);
        out.push(
          csvRows([
            [day, p.email, null, null, null, 'missing', null, null, null, null, p.firstName, p.lastName],
          ]),
        );
      }
      return out;
    };
    for await (const page of deps.ledger.snapshotsForDay(day)) {
      const chunk: string[] = [];
      for (const s of page) {
        for (const line of missingRowsBefore(s.email)) {
          chunk.push(line);
          rows++;
        }
        if (e < expected.length && expected[e]!.email === s.email) e++;
        chunk.push(csvRows([usageRow(s, byEmail.get(s.email))]));
        rows++;
        collected++;
      }
      yield chunk.join('');
    }
    const tail = missingRowsBefore(null);
    rows += tail.length;
    yield tail.join('');
  }

  const key = reportKeys.dailyUsage(day);
  const stored = await deps.objects.putStream(key, Readable.from(lines()), 'text/csv; charset=utf-8');
  return writeManifest(deps.objects, reportKeys.dailyUsageManifest(day), {
    report: 'daily-usage',
    day,
    stored,
    rows,
    runId,
    expected: expected.length,
    collected,
    missing,
  });
}

/** The manifest beside an export: what the file is, its hash, and whether the day is complete. */
async function writeManifest(
  store: ObjectStore,
  manifestKey: string,
  m: {
    report: ExportManifest['report'];
    day: string;
    stored: StoredObject;
    rows: number;
    runId: string;
    expected: number;
    collected: number;
    missing: string[];
  },
): Promise<ExportManifest> {
  const manifest: ExportManifest = {
    report: m.report,
    day: m.day,
    key: m.stored.key,
    sha256: m.stored.sha256,
    bytes: m.stored.bytes,
    rows: m.rows,
    runId: m.runId,
    complete: m.missing.length === 0,
    expectedUsers: m.expected,
    collectedUsers: m.collected,
    missingUsers: m.missing,
  };
  await store.putText(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  return manifest;
}

function usageRow(s: UsageSnapshot, profile: UserProfile | undefined) {
  return [
    s.day,
    s.email,
    s.diskUsedBytes,
    s.uploadedBytes,
    s.downloadedBytes,
    'collected',
    s.storageQuotaGb,
    s.isActive,
    s.activityCount,
    s.usageSource,
    profile?.firstName ?? null,
    profile?.lastName ?? null,
  ];
}

export class ExportError extends Error {
  override name = 'ExportError';
}

/**
 * `audit/activity/YYYY/MM/DD/activity-YYYY-MM-DD.csv`: every activity record of the day, user by user in
 * email order, stitched from the parts collection wrote. The row count is the sum of the API's
 * total_records over the stored user-days.
 */
export async function writeDailyActivity(
  deps: ExportDeps,
  day: string,
  runId: string,
  profiles: readonly UserProfile[],
): Promise<ExportManifest> {
  const expected = expectedUsers(profiles, day);
  const seen = new Set<string>();
  let rows = 0;

  // Parts are fetched a few ahead of the one being written (S3 GETs are latency-bound), in email order.
  const READ_AHEAD = 8;
  const fetchPart = async (email: string, count: number) => {
    const body = await deps.objects.getText(reportKeys.activityPart(day, email));
    if (body === null)
      throw new ExportError(
        `activity part for ${email} on ${day} is missing though its snapshot counts ${count} records`,
      );
    return body;
  };

  async function* bytes(): AsyncGenerator<string> {
    yield csvHeader(ACTIVITY_COLUMNS);
    for await (const page of deps.ledger.snapshotsForDay(day)) {
      const withActivity = page.filter((s) => {
        seen.add(s.email);
        return s.activityCount > 0;
      });
      const fetchOrInline = (s: UsageSnapshot) =>
        s.activityCsv !== undefined ? Promise.resolve(s.activityCsv) : fetchPart(s.email, s.activityCount);
      const pending: Promise<string>[] = [];
      for (let i = 0; i < withActivity.length; i++) {
        while (pending.length < READ_AHEAD && i + pending.length < withActivity.length) {
          const next = withActivity[i + pending.length]!;
          const fetched = fetchOrInline(next);
          fetched.catch(() => {}); // surfaced when awaited below, in order
          pending.push(fetched);
        }
        yield await pending.shift()!;
        rows += withActivity[i]!.activityCount;
      }
    }
  }

  const key = reportKeys.activity(day);
  const audit = deps.auditObjects ?? deps.objects;
  const stored = await audit.putStream(key, Readable.from(bytes()), 'text/csv; charset=utf-8');
  const missing = expected.filter((p) => !seen.has(p.email)).map((p) => p.email);
  return writeManifest(audit, reportKeys.activityManifest(day), {
    report: 'activity',
    day,
    stored,
    rows,
    runId,
    expected: expected.length,
    collected: seen.size,
    missing,
  });
}

/** `audit/admin/YYYY/MM/DD/admin-audit-YYYY-MM-DD.csv`: every admin API change of the day (secrets were redacted when recorded). */
export async function writeAdminAudit(
  deps: ExportDeps,
  day: string,
): Promise<{ key: string; rows: number; sha256: string }> {
  const records = await deps.ledger.auditRecords(day, day);
  const text =
    csvHeader(ADMIN_AUDIT_COLUMNS) +
    csvRows(
      records.map((r) => [
        r.at,
        r.requestId,
        r.principal,
        r.action,
        r.target,
        r.outcome,
        r.status,
        r.code,
        JSON.stringify(r.request),
      ]),
    );
  const stored = await (deps.auditObjects ?? deps.objects).putText(
    reportKeys.adminAudit(day),
    text,
    'text/csv; charset=utf-8',
  );
  return { key: stored.key, rows: records.length, sha256: stored.sha256 };
}
