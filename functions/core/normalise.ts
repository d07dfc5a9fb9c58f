/**
 * Normalisation shared by every connector and by every look-up: the identity key of a person
 * across apps (design.md section 4: lower-cased, trimmed email). Every connector maps emails with
 * this function and `rollcall users --email` looks them up with it, so one spelling rule holds
 * everywhere.
 */

/**
 * The identity key of an email: trimmed, Unicode-normalised (NFC) and lower-cased; `null` when
 * nothing is left.
 *
 * NFC makes the composed and decomposed spellings of one address (`é` as U+00E9, or `e` followed
 * by the combining U+0301) one key, as they are one address to a person reading it. NFC, not NFKC:
 * compatibility folding would also merge characters that are different letters to a mail server.
 * Normalised once more after lower-casing, because lower-casing may leave a sequence that is not
 * NFC (U+0130 becomes `i` and a combining dot): the key is a fixed point, normalising it again
 * changes nothing.
 */
export function normaliseEmail(email: string): string | null {
  const trimmed = email.trim();
  // ASCII is its own NFC and lower-cases to ASCII: the common case skips normalisation (measured
  // at a fifth of the cost per email).
  const key = ASCII.test(trimmed) ? trimmed.toLowerCase() : trimmed.normalize('NFC').toLowerCase().normalize('NFC');
  return key === '' ? null : key;
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * A person's name from its parts, as apps that split it give them (first and last, given and
 * family): the parts trimmed and joined by a space, blank ones left out; `null` when none is left.
 */
export function joinNames(...parts: readonly (string | null | undefined)[]): string | null {
  let name = '';
  for (const part of parts) {
    const text = part?.trim() ?? '';
    if (text !== '') name = name === '' ? text : `${name} ${text}`;
  }
  return name === '' ? null : name;
}

/** A value an app gives as free text: trimmed, `null` when blank or absent. */
export function textOrNull(value: string | null | undefined): string | null {
  const text = value?.trim() ?? '';
  return text === '' ? null : text;
}

/** The form a people search and the names it searches are compared in: trimmed, NFC, lower-cased. */
export function searchKey(text: string): string {
  return text.trim().normalize('NFC').toLowerCase().normalize('NFC');
}
