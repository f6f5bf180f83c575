import { E2PaginationError } from './errors.ts';
import type { ActivityPage, ActivityRecord } from './schemas.ts';

export type ActivityPageResult = {
  readonly pageNo: number;
  readonly records: readonly ActivityRecord[];
  /** The API's `total_records` for the whole range (same on every page, or we fail). */
  readonly totalRecords: number;
};

/**
 * Walks every page of an activity history (200 records a page, pages from 1) until `total_records`
 * records have been seen. A short last page is normal; a total that changes between pages, an empty
 * page before the total is reached, or more records than announced fail with E2PaginationError so
 * the caller can start the range again rather than store a partial or doubled log.
 */
export async function* activityPages(
  fetchPage: (pageNo: number) => Promise<ActivityPage>,
  context: { operation: string; email?: string },
): AsyncGenerator<ActivityPageResult> {
  let seen = 0;
  let total: number | undefined;
  for (let pageNo = 1; ; pageNo++) {
    const page = await fetchPage(pageNo);
    const pageTotal = page.pagination.total_records;
    if (total === undefined) total = pageTotal;
    else if (pageTotal !== total) {
      throw new E2PaginationError(
        `total_records changed from ${total} to ${pageTotal} at page ${pageNo}`,
        context,
      );
    }
    if (page.logs.length === 0 && seen < total) {
      throw new E2PaginationError(`page ${pageNo} is empty after ${seen} of ${total} records`, context);
    }
    seen += page.logs.length;
    if (seen > total) {
      throw new E2PaginationError(`received ${seen} records, more than total_records ${total}`, context);
    }
    if (page.logs.length > 0 || pageNo === 1) yield { pageNo, records: page.logs, totalRecords: total };
    if (seen >= total) return;
  }
}
