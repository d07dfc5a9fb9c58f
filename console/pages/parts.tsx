/** Small pieces the pages share: times, badges, empty values, paging links. */
import type { ConnectorStatus, StoredAccount } from '../../functions/core/types.ts';

/** An ISO time as a reader scans it (minutes, UTC), with the full value on hover; a dash when absent. */
export function Time(props: { readonly value: string | null }) {
  if (props.value === null) return <span class="none">–</span>;
  const shown = props.value.length >= 16 ? `${props.value.slice(0, 10)} ${props.value.slice(11, 16)}` : props.value;
  return <time datetime={props.value}>{shown}</time>;
}

/** A day of an ISO time. */
export function Day(props: { readonly value: string | null }) {
  if (props.value === null) return <span class="none">–</span>;
  return <time datetime={props.value}>{props.value.slice(0, 10)}</time>;
}

export function Text(props: { readonly value: string | number | boolean | null | undefined }) {
  if (props.value === null || props.value === undefined || props.value === '') return <span class="none">–</span>;
  return <>{String(props.value)}</>;
}

const STATUS_CLASS: Record<ConnectorStatus, string> = {
  CONNECTED: 'ok',
  SYNCING: 'busy',
  RECONNECT_REQUIRED: 'alert',
  ERROR: 'warn',
};

export function StatusBadge(props: { readonly status: ConnectorStatus }) {
  return <span class={`badge ${STATUS_CLASS[props.status]}`}>{props.status}</span>;
}

/** Rollcall's account state (or removed), as a badge; the app's own status stays beside it as text. */
export function StateBadge(props: { readonly state: string | null; readonly removed: boolean }) {
  if (props.removed) return <span class="badge gone">removed</span>;
  if (props.state === null) return <span class="none">–</span>;
  const kind = props.state === 'active' ? 'ok' : props.state === 'disabled' ? 'warn' : 'busy';
  return <span class={`badge ${kind}`}>{props.state}</span>;
}

/** The query parameter that carries a page's opaque cursor. */
export const CURSOR_PARAMETER = 'cursor';

/**
 * Links to the first and the next page. The store pages by opaque cursor (read-model.ts), so a
 * page knows the way on, not its number; the browser's back button goes back.
 */
export function CursorPager(props: { readonly url: URL; readonly nextCursor: string | null }) {
  const link = (cursor: string | null) => {
    const params = new URLSearchParams(props.url.search);
    if (cursor === null) params.delete(CURSOR_PARAMETER);
    else params.set(CURSOR_PARAMETER, cursor);
    const query = params.toString();
    return query === '' ? props.url.pathname : `${props.url.pathname}?${query}`;
  };
  const onFirst = !props.url.searchParams.has(CURSOR_PARAMETER);
  if (onFirst && props.nextCursor === null) return null;
  return (
    <nav class="pager" aria-label="pages">
      {onFirst ? <span class="none">first page</span> : <a href={link(null)}>← first page</a>}
      {props.nextCursor !== null ? (
        <a href={link(props.nextCursor)} rel="next">
          next page →
        </a>
      ) : (
        <span class="none">last page</span>
      )}
    </nav>
  );
}

/** A link to one person's page, by their email (any spelling: the page normalises it). */
export function personHref(email: string): string {
  return `/people/${encodeURIComponent(email)}`;
}

/** An account as a cell: its email linking to the person's page, or, without one, its login or id as text. */
export function AccountLink(props: { readonly account: StoredAccount }) {
  const { account } = props;
  if (account.emailKey === null) return <Text value={account.login ?? account.id} />;
  return <a href={personHref(account.emailKey)}>{account.email ?? account.emailKey}</a>;
}

export function connectorHref(connectorId: string, page: 'accounts' | 'runs' | 'review'): string {
  return page === 'review' ? `/review/${encodeURIComponent(connectorId)}` : `/connectors/${encodeURIComponent(connectorId)}/${page}`;
}

/** Group names as tags (their ids when the app gave no name). */
export function GroupTags(props: { readonly groups: readonly { readonly groupId: string; readonly name: string | null }[] }) {
  if (props.groups.length === 0) return <span class="none">–</span>;
  return (
    <>
      {props.groups.map((group) => (
        <span class="tag">{group.name ?? group.groupId}</span>
      ))}
    </>
  );
}
