import type { AlertTransition } from '../ledger/alerts.ts';
import type { AlertNotifier } from '../ledger/ports.ts';
import { alertMessage } from './sns-alert-notifier.ts';

/** One line per transition, for a person reading a terminal or a log. */
export function alertLine(t: AlertTransition): string {
  const what = t.kind === 'quota' ? `quota ${t.level}%` : t.kind.replace('_', ' ');
  const verb = t.transition === 'changed' ? `changed from ${t.previousLevel}%` : t.transition;
  return `ALERT ${what} ${verb}: ${t.email} on ${t.day}: ${t.detail}`;
}

/**
 * Alerts on the embedded default: each transition written as it is sent, as a line (terminal) or as
 * the same JSON SNS subscribers get (`json`), to the stream given (the CLI's stderr, the server's log).
 */
export class StreamAlertNotifier implements AlertNotifier {
  constructor(
    private readonly write: (line: string) => void,
    private readonly format: 'text' | 'json' = 'text',
  ) {}

  async publish(transitions: readonly AlertTransition[]): Promise<void> {
    for (const t of transitions)
      this.write(this.format === 'json' ? JSON.stringify(alertMessage(t)) : alertLine(t));
  }
}
