/**
 * Where a SCIM listing stands, as the opaque cursor the core checkpoints and hands back (one page
 * per call, design.md section 2): index paging's next `startIndex`, or RFC 9865's server cursor,
 * and whether the listing already restarted once after a refused cursor. Versioned, so a
 * checkpoint written by another layout fails loudly instead of skipping resources.
 */
import * as z from 'zod/mini';
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../http/opaque-cursor.ts';

export type ScimPosition =
  | {
      readonly mode: 'index';
      /** 1-based index of the next resource to ask for (RFC 7644 section 3.4.2.4). */
      readonly startIndex: number;
      /**
       * The lowest `totalResults` any page of the listing reported: an empty page at or past it ends
       * the listing (the count drifted), an empty page short of it made no progress.
       */
      readonly lowestTotal: number | null;
      readonly previousFirst: string | null;
      readonly restarted: boolean;
    }
  | {
      readonly mode: 'cursor';
      /** The provider's `nextCursor`; `''` asks a cursor-only provider for its first page. */
      readonly cursor: string;
      readonly previousFirst: string | null;
      readonly restarted: boolean;
    };

/** Both modes keep, in `previousFirst`, a digest of the id that opened the previous page: the same id opening the next one is no progress. */
export function firstPosition(cursorOnly: boolean, restarted = false): ScimPosition {
  return cursorOnly
    ? { mode: 'cursor', cursor: '', previousFirst: null, restarted }
    : { mode: 'index', startIndex: 1, lowestTotal: null, previousFirst: null, restarted };
}

export function isFirstPage(position: ScimPosition): boolean {
  return position.mode === 'index' ? position.startIndex === 1 : position.cursor === '';
}

const PREFIX = 's1.';

const wireSchema = z.union([
  z.object({ m: z.literal('i'), i: z.int().check(z.gte(1)), t: z.nullable(z.int().check(z.gte(0))), f: z.nullable(z.string()), r: z.boolean() }),
  z.object({ m: z.literal('c'), c: z.string(), f: z.nullable(z.string()), r: z.boolean() }),
]);

export function encodePosition(position: ScimPosition): string {
  const wire =
    position.mode === 'index'
      ? { m: 'i', i: position.startIndex, t: position.lowestTotal, f: position.previousFirst, r: position.restarted }
      : { m: 'c', c: position.cursor, f: position.previousFirst, r: position.restarted };
  return encodeOpaqueCursor(PREFIX, wire);
}

export function decodePosition(cursor: string): ScimPosition {
  const wire = decodeOpaqueCursor(PREFIX, cursor, wireSchema, 'scim cursor');
  return wire.m === 'i'
    ? { mode: 'index', startIndex: wire.i, lowestTotal: wire.t, previousFirst: wire.f, restarted: wire.r }
    : { mode: 'cursor', cursor: wire.c, previousFirst: wire.f, restarted: wire.r };
}
