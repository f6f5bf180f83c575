import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { InvoiceRegistry } from '../../ledger/ports.ts';
import { keys } from '../table.ts';
import {
  decode,
  draftRecordSchema,
  invoiceDocumentSchema,
  issueRecordSchema,
  legacyVersionSchema,
} from './items.ts';
import type { DynamoTable } from './table.ts';

const documentOf = (what: string) => (i: Record<string, unknown>) => decode(invoiceDocumentSchema, i, what);

/**
 * The invoice registry: document claims (pk SEQ#<prefix>#<period>, sk N#<position>; the claim is
 * the whole document), the month's copies, issue and draft records (pk INVOICES#<month>) and leases.
 */
export function dynamoInvoiceRegistry(t: DynamoTable): InvoiceRegistry {
  return {
    monthDocuments(month) {
      return t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
          ExpressionAttributeValues: { ':pk': keys.invoices(month), ':d': 'DOC#' },
          ConsistentRead: true,
        },
        documentOf('document'),
      );
    },

    async lastPosition(sequence) {
      const result = await t.db.send(
        new QueryCommand({
          TableName: t.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.sequence(sequence) },
          ProjectionExpression: '#p',
          ExpressionAttributeNames: { '#p': 'position' },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      return (result.Items?.[0]?.position as number | undefined) ?? 0;
    },

    // No item-kind attribute on documents: `type` is the document's own (invoice or credit_note).
    claimDocument(document) {
      return t.claim({
        pk: keys.sequence(document.sequence),
        sk: keys.position(document.position),
        ...document,
      });
    },

    async claimedDocument(sequence, position) {
      const item = await t.get({ pk: keys.sequence(sequence), sk: keys.position(position) }, true);
      return item ? documentOf('document claim')(item) : null;
    },

    claimedFrom(sequence, position) {
      return t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: { ':pk': keys.sequence(sequence), ':from': keys.position(position) },
          ConsistentRead: true,
        },
        documentOf('document claim'),
      );
    },

    async recordDocuments(documents) {
      await t.batchPut(
        documents.map((d) => ({ pk: keys.invoices(d.month), sk: keys.document(d.number), ...d })),
      );
    },

    issues(month) {
      return t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :i)',
          ExpressionAttributeValues: { ':pk': keys.invoices(month), ':i': 'ISSUE#' },
          ConsistentRead: true,
        },
        (i) => decode(issueRecordSchema, i, 'issue record'),
      );
    },

    createIssue(issue) {
      return t.claim({
        pk: keys.invoices(issue.month),
        sk: keys.issue(issue.issue),
        type: 'issue',
        ...issue,
      });
    },

    async completeIssue(issue) {
      await t.put(
        {
          pk: keys.invoices(issue.month),
          sk: keys.issue(issue.issue),
          type: 'issue',
          ...issue,
          ...(issue.status === 'complete'
            ? { gsi1pk: keys.invoiceIssues, gsi1sk: `${issue.month}#${keys.issue(issue.issue)}` }
            : {}),
        },
        { ConditionExpression: 'attribute_exists(pk)' },
      );
    },

    drafts(month) {
      return t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
          ExpressionAttributeValues: { ':pk': keys.invoices(month), ':d': 'DRAFT#' },
          ConsistentRead: true,
        },
        (i) => decode(draftRecordSchema, i, 'draft record'),
      );
    },

    claimDraft(draft) {
      return t.claim({
        pk: keys.invoices(draft.month),
        sk: keys.draft(draft.draft),
        type: 'draft',
        ...draft,
      });
    },

    async acquireLease(name, holder, now, ttlMs) {
      const acquired = await t.putIf(
        {
          pk: keys.lease(name),
          sk: keys.leaseItem,
          type: 'lease',
          holder,
          acquiredAt: now.toISOString(),
          expiresAtMs: now.getTime() + ttlMs,
        },
        {
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': now.getTime(), ':holder': holder },
        },
      );
      if (acquired) return { acquired: true };
      const current = await t.get({ pk: keys.lease(name), sk: keys.leaseItem }, true);
      return {
        acquired: false,
        holder: String(current?.holder ?? 'unknown'),
        expiresAt: new Date(Number(current?.expiresAtMs ?? 0)).toISOString(),
      };
    },

    async releaseLease(name, holder) {
      // False when taken over after it expired: nothing of ours to release.
      await t.updateIf({
        Key: { pk: keys.lease(name), sk: keys.leaseItem },
        UpdateExpression: 'SET expiresAtMs = :zero',
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':zero': 0, ':holder': holder },
      });
    },

    async lastIssuedInvoiceMonth() {
      const result = await t.db.send(
        new QueryCommand({
          TableName: t.name,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.invoiceIssues },
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      return (result.Items?.[0]?.month as string | undefined) ?? null;
    },

    invoiceVersions(month) {
      return t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
          ExpressionAttributeValues: { ':pk': keys.invoices(month), ':v': 'VERSION#' },
          ConsistentRead: true,
        },
        (i) => decode(legacyVersionSchema, i, 'legacy invoice version'),
      );
    },
  };
}
