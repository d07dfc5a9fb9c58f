/**
 * The safety stops of a loop over an API's pages, written once: a page bound, and a next-page
 * token that repeats or cannot be stored. The core's listing (`listing.ts`) and any connector that
 * pages a side listing of its own (a role list, say) use it, so a misbehaving API fails the call
 * with one wording instead of looping.
 */
import { ContractError } from './errors.ts';
import { unusableCursorReason } from './limits.ts';

export interface PageGuard {
  /** Before fetching the next page, with `pagesSoFar` fetched: a `ContractError` once the bound is reached. */
  beforePage(pagesSoFar: number): void;
  /**
   * After page number `pages` (fetched with `cursor`) answered `next`: a `ContractError` when `next`
   * was answered before in this loop, equals `cursor`, or is too large to keep in a checkpoint.
   */
  afterPage(pages: number, cursor: string | null, next: string | null): void;
}

/** `label` names the loop in messages (`<app> listing '<stream>'`, `GET /users/roles`). */
export function createPageGuard(label: string, maxPages: number): PageGuard {
  const seen = new Set<string>();
  return {
    beforePage(pagesSoFar) {
      if (pagesSoFar >= maxPages) {
        throw new ContractError(
          `${label} exceeded ${maxPages} pages (the page bound) without reaching its last page: refusing to page further`,
        );
      }
    },
    afterPage(pages, cursor, next) {
      if (next === null) return;
      if (seen.has(next) || next === cursor) throw new ContractError(`${label} repeated a page token after page ${pages}`);
      const unusable = unusableCursorReason(next);
      if (unusable !== null) throw new ContractError(`${label} answered ${unusable} after page ${pages}`);
      seen.add(next);
    },
  };
}
