import { describe, expect, it } from 'vitest';
import { E2PaginationError } from '../../lambdas/e2/errors.ts';
import { activityPages } from '../../lambdas/e2/pagination.ts';
import type { ActivityPage } from '../../lambdas/e2/schemas.ts';

const record = (i: number) => ({
  timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
  description: `r${i}`,
  ip: '198.51.100.1',
});

function pagesOf(
  total: number,
  sizes: number[],
  totals?: number[],
): (pageNo: number) => Promise<ActivityPage> {
  let offset = 0;
  return async (pageNo) => {
    const size = sizes[pageNo - 1] ?? 0;
    const logs = Array.from({ length: size }, (_, k) => record(offset + k));
    offset += size;
    return {
      logs,
      pagination: { total_records: totals?.[pageNo - 1] ?? total, page_no: pageNo, records_per_page: 200 },
    };
  };
}

async function collect(fetch: (n: number) => Promise<ActivityPage>) {
  const pages = [];
  for await (const page of activityPages(fetch, { operation: 'test' })) pages.push(page);
  return pages;
}

describe('activityPages', () => {
  it('walks every page and stops at total_records, accepting a short last page', async () => {
    const pages = await collect(pagesOf(450, [200, 200, 50, 999]));
    expect(pages.map((p) => p.records.length)).toEqual([200, 200, 50]);
    expect(pages.every((p) => p.totalRecords === 450)).toBe(true);
  });

  it('yields one empty page when there is no activity', async () => {
    const pages = await collect(pagesOf(0, [0]));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.records).toEqual([]);
  });

  it('fails when total_records changes between pages', async () => {
    await expect(collect(pagesOf(400, [200, 200], [400, 401]))).rejects.toBeInstanceOf(E2PaginationError);
  });

  it('fails on an empty page before the total is reached, instead of looping', async () => {
    await expect(collect(pagesOf(300, [200, 0]))).rejects.toThrow(/empty after 200 of 300/);
  });

  it('fails when pages hold more records than announced', async () => {
    await expect(collect(pagesOf(250, [200, 200]))).rejects.toThrow(/more than total_records/);
  });
});
