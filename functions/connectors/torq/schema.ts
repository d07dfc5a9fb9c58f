/**
 * The shapes Torq answers with (design.md section 3), checked at the boundary. Torq's API is
 * protobuf-JSON: empty lists, `false` and default enum values may be left out of an answer, and
 * the vendor marks no user field as required, so every field is optional but typed when present.
 *
 * zod/mini, imported as a namespace: the same checks for about 20 KB of the Lambda bundle, where
 * classic zod costs about 90 KB, and `import { z }` (which drags in every locale) about 450 KB.
 */
import * as z from 'zod/mini';
import type { InvalidRecord } from '../../core/types.ts';
import { describeIssues, isRecord } from '../http/zod-issues.ts';

export { describeIssues };

/** A token, whether absent, `null` or empty, means "no further page". */
const pageToken = z.nullish(z.string());
const nonEmptyString = z.string().check(z.minLength(1));

/** One page of `GET /users`. An absent `users` is protobuf-JSON's spelling of an empty list. */
export const usersPageSchema = z.object({
  users: z.optional(z.array(z.unknown())),
  next_page_token: pageToken,
});

/** One page of `GET /users/roles`. */
export const rolesPageSchema = z.object({
  roles: z.optional(z.array(z.unknown())),
  next_page_token: pageToken,
});

/** A user record. Only a non-empty `id` is needed to make an account of it; `null` counts as absent. */
export const torqUserSchema = z.object({
  id: nonEmptyString,
  email: z.nullish(z.string()),
  role_id: z.nullish(z.string()),
  /** Kept verbatim, including values newer than the ones design.md lists. */
  status: z.nullish(z.string()),
  sso_provision: z.nullish(z.boolean()),
  created_time: z.nullish(z.string()),
  last_login_time: z.nullish(z.string()),
});
export type TorqUser = z.infer<typeof torqUserSchema>;

export const torqRoleSchema = z.object({
  id: nonEmptyString,
  name: z.nullish(z.string()),
});

export type UserParseResult =
  | { readonly ok: true; readonly user: TorqUser }
  | { readonly ok: false; readonly invalid: InvalidRecord };

/** Validates one user record; a bad one is reported by its id (when it has a string id) and reason, never by content. */
export function parseTorqUser(raw: unknown): UserParseResult {
  const result = torqUserSchema.safeParse(raw);
  if (result.success) return { ok: true, user: result.data };
  const id = isRecord(raw) && typeof raw.id === 'string' && raw.id !== '' ? raw.id : null;
  return { ok: false, invalid: { id, reason: describeIssues(result.error.issues, raw) } };
}
