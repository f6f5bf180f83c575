import { SNSClient } from '@aws-sdk/client-sns';
import type { AlertNotifier } from '../ledger/ports.ts';
import { SnsAlertNotifier } from '../notify/sns-alert-notifier.ts';
import { StreamAlertNotifier } from '../notify/stream-alert-notifier.ts';

/**
 * Where alert transitions go: the SNS topic when one is named (a deployment, or the CLI against AWS
 * with E2L_ALERTS_TOPIC_ARN), otherwise the lines `write` prints (the embedded default).
 */
export function openAlertNotifier(options: {
  readonly topicArn?: string | undefined;
  readonly write: (line: string) => void;
  readonly format?: 'text' | 'json';
}): AlertNotifier {
  if (options.topicArn) return new SnsAlertNotifier(new SNSClient({ maxAttempts: 5 }), options.topicArn);
  return new StreamAlertNotifier(options.write, options.format ?? 'text');
}
