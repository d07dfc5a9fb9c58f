/**
 * Normalisation shared by every connector: the identity key of a person across apps
 * (design.md section 4: lower-cased, trimmed email).
 */

/** The identity key of an email: trimmed and lower-cased; `null` when nothing is left. */
export function normaliseEmail(email: string): string | null {
  const key = email.trim().toLowerCase();
  return key === '' ? null : key;
}
