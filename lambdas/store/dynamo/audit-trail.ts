import { plusDays } from '../../calendar/days.ts';
import type { AuditRecord } from '../../ledger/model.ts';
import type { AuditTrail } from '../../ledger/ports.ts';
import { keys } from '../table.ts';
import { auditSchema, decode } from './items.ts';
import type { DynamoTable } from './table.ts';

/** Audit records: pk AUDIT#<day> sk <at>#<requestId>#<0 pending | 1 outcome>, append-only. */
export function dynamoAuditTrail(t: DynamoTable): AuditTrail {
  return {
    // Append-only: the intent (pending) and the outcome are separate items, each written once.
    async putAudit(record) {
      // The same record written again (a retried request) is already on file.
      await t.claim({
        pk: keys.audit(record.at.slice(0, 10)),
        sk: `${record.at}#${record.requestId}#${record.outcome === 'pending' ? 0 : 1}`,
        type: 'audit',
        ...record,
      });
    },

    /** One record per request: its outcome when there is one, else its pending intent (a crash). */
    async auditRecords(from, to) {
      const out: AuditRecord[] = [];
      for (let day = from; day <= to; day = plusDays(day, 1)) {
        const records = await t.queryAll(
          { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.audit(day) } },
          (i) => decode(auditSchema, i, 'audit record'),
        );
        const byRequest = new Map<string, AuditRecord>();
        for (const r of records) {
          const key = `${r.at}#${r.requestId}`;
          if (!byRequest.has(key) || r.outcome !== 'pending') byRequest.set(key, r);
        }
        out.push(...byRequest.values());
      }
      return out;
    },
  };
}
