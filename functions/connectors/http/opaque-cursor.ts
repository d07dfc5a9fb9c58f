/**
 * A connector's own cursor: the position it needs to resume a listing (several API cursors, a
 * queue of pending work) as one opaque string the core can checkpoint and compare. A versioned
 * prefix and base64url JSON, checked against the connector's schema when it comes back: a cursor
 * this connector did not write (or an older format) fails the listing instead of resuming at a guess.
 */
import type * as z from 'zod/mini';
import { ContractError } from '../../core/errors.ts';

export function encodeOpaqueCursor(prefix: string, wire: unknown): string {
  return prefix + Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

/** @param label names the cursor in the error, e.g. `twingate groups cursor`. */
export function decodeOpaqueCursor<T>(prefix: string, cursor: string, schema: z.ZodMiniType<T>, label: string): T {
  const fail = (): never => {
    throw new ContractError(`${label} is not one this connector wrote: refusing to guess where the listing stood`);
  };
  if (!cursor.startsWith(prefix)) return fail();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor.slice(prefix.length), 'base64url').toString('utf8'));
  } catch {
    return fail();
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : fail();
}
