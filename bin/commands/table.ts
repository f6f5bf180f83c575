import Table from 'cli-table3';
import { isInteractive } from './context.ts';

type Cell = string | number;

/** A table drawn with borders on a terminal, and as plain aligned columns when piped or under CI. */
export function outputTable(head: readonly string[]) {
  const rows: Cell[][] = [];
  return {
    push(row: readonly Cell[]) {
      rows.push([...row]);
    },
    toString(): string {
      if (isInteractive()) {
        const table = new Table({ head: [...head], style: { head: [], border: [] } });
        table.push(...rows);
        return table.toString();
      }
      const all = [head, ...rows].map((r) => r.map(String));
      const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
      return all
        .map((r) =>
          r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        )
        .join('\n');
    },
  };
}
