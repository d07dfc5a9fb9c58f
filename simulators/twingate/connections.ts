/**
 * Relay connections over arrays, paged the way Twingate's are: offset cursors
 * (`base64("arrayconnection:N")`, research-twingate-scim.md A2), `first` defaulting to 50, and an
 * unreadable `after` ignored rather than refused (paging starts over, as Twingate appears to do).
 */
import { GraphQLError } from 'graphql';

export interface ConnectionArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface PagingRules {
  /** `first` when the query gives none. */
  readonly defaultPageSize: number;
  /** The most edges one answer carries, whatever `first` asks (`clampPageSize` fault). */
  readonly clampPageSize?: number;
  /** Every page claims a next one under the same `endCursor` (`repeatCursor` fault). */
  readonly repeatCursor?: boolean;
}

export interface Connection<T> {
  readonly edges: readonly { readonly cursor: string; readonly node: T }[];
  readonly pageInfo: {
    readonly hasNextPage: boolean;
    readonly hasPreviousPage: boolean;
    readonly startCursor: string | null;
    readonly endCursor: string | null;
  };
  readonly totalCount: number;
}

const PREFIX = 'arrayconnection:';

export function offsetCursor(index: number): string {
  return Buffer.from(`${PREFIX}${index}`).toString('base64');
}

/** The index an `after` cursor names, or `null` when it names none. */
export function cursorIndex(cursor: string): number | null {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  if (!decoded.startsWith(PREFIX)) return null;
  const index = Number(decoded.slice(PREFIX.length));
  return Number.isSafeInteger(index) && index >= 0 ? index : null;
}

/** One page of `items` (`toNode` runs only for the page's items). */
export function connection<R, T>(
  items: readonly R[],
  args: ConnectionArgs,
  rules: PagingRules,
  toNode: (item: R) => T,
): Connection<T> {
  const first = args.first ?? rules.defaultPageSize;
  if (!Number.isSafeInteger(first) || first < 0) throw new GraphQLError('first must be a non-negative integer');
  const afterIndex = args.after == null ? null : cursorIndex(args.after);
  const start = afterIndex === null ? 0 : afterIndex + 1;
  const size = rules.clampPageSize === undefined ? first : Math.min(first, rules.clampPageSize);
  const end = Math.min(items.length, start + size);
  const edges = [];
  for (let index = start; index < end; index++) edges.push({ cursor: offsetCursor(index), node: toNode(items[index] as R) });
  let endCursor = edges.length === 0 ? null : offsetCursor(end - 1);
  let hasNextPage = end < items.length;
  if (rules.repeatCursor === true) {
    endCursor = args.after ?? endCursor ?? offsetCursor(0);
    hasNextPage = true;
  }
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage: start > 0, startCursor: edges[0]?.cursor ?? null, endCursor },
    totalCount: items.length,
  };
}
