import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertTransition } from '../ledger/alerts.ts';
import type { AlertNotifier } from '../ledger/ports.ts';

/** The JSON every subscriber gets (email shows it as text; HTTPS endpoints parse it). Versioned. */
export function alertMessage(t: AlertTransition) {
  return {
    schema: 'e2-ledger/alert-transition@1',
    transition: t.transition,
    alert: {
      id: t.id,
      kind: t.kind,
      email: t.email,
      level: t.level,
      previousLevel: t.previousLevel,
      value: t.value,
      threshold: t.threshold,
      detail: t.detail,
    },
    day: t.day,
    at: t.at,
    runId: t.runId,
    version: t.version,
  };
}

/** A subject line within SNS's limit (100 printable ASCII characters). */
export function alertSubject(t: AlertTransition): string {
  const what = t.kind === 'quota' ? `quota ${t.level}%` : t.kind.replace('_', ' ');
  const subject = `e2-ledger: ${what} ${t.transition} for ${t.email}`;
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/**
 * Alert transitions to an SNS topic, ten per PublishBatch call. Message attributes `kind` and
 * `transition` let a subscription filter (e.g. a pager only for `quota` at 100).
 */
export class SnsAlertNotifier implements AlertNotifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(transitions: readonly AlertTransition[]): Promise<void> {
    for (let i = 0; i < transitions.length; i += 10) {
      const batch = transitions.slice(i, i + 10);
      const result = await this.sns.send(
        new PublishBatchCommand({
          TopicArn: this.topicArn,
          PublishBatchRequestEntries: batch.map((t, j) => ({
            Id: `t${i + j}`,
            Subject: alertSubject(t),
            Message: JSON.stringify(alertMessage(t), null, 2),
            MessageAttributes: {
              kind: { DataType: 'String', StringValue: t.kind },
              transition: { DataType: 'String', StringValue: t.transition },
            },
          })),
        }),
      );
      const failed = result.Failed ?? [];
      if (failed.length > 0)
        throw new Error(
          `SNS refused ${failed.length} alert message(s): ${failed.map((f) => `${f.Code}: ${f.Message ?? ''}`).join('; ')}`,
        );
    }
  }
}
