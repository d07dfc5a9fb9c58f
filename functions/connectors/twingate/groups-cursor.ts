/**
 * The groups stream's cursor: everything still to fetch, so the core can checkpoint it, resume
 * from it and tell a repeat (one page per call, design.md section 2). It holds where the next
 * groups page starts and the queue of groups whose members did not fit in the page that listed
 * them, each with the cursor of its next member page. Opaque to the core; versioned so a
 * checkpoint written by another layout fails loudly instead of skipping members.
 */
import * as z from 'zod/mini';
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../http/opaque-cursor.ts';

export interface GroupsPosition {
  /** `after` of the next groups page; `null` with `groupsDone` false means the first page. */
  readonly groupsAfter: string | null;
  /** Every groups page was fetched. */
  readonly groupsDone: boolean;
  /** Groups owing member pages, in listing order: id and the `after` of the next member page. */
  readonly pending: readonly (readonly [groupId: string, membersAfter: string])[];
}

export const START: GroupsPosition = { groupsAfter: null, groupsDone: false, pending: [] };

const PREFIX = 'g1.';

const positionSchema = z.object({
  a: z.nullable(z.string()),
  d: z.boolean(),
  p: z.array(z.tuple([z.string().check(z.minLength(1)), z.string()])),
});

/** `null` once nothing is left: the stream's last page. */
export function encodeGroupsCursor(position: GroupsPosition): string | null {
  if (position.groupsDone && position.pending.length === 0) return null;
  const wire = { a: position.groupsAfter, d: position.groupsDone, p: position.pending };
  return encodeOpaqueCursor(PREFIX, wire);
}

export function decodeGroupsCursor(cursor: string | null): GroupsPosition {
  if (cursor === null) return START;
  const wire = decodeOpaqueCursor(PREFIX, cursor, positionSchema, 'twingate groups cursor');
  return { groupsAfter: wire.a, groupsDone: wire.d, pending: wire.p };
}
