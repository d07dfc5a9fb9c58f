/**
 * The size DynamoDB bills an item by, from the rules in the DynamoDB developer guide ("Item sizes
 * and formats"): attribute names and string values count their UTF-8 bytes, a number about one
 * byte per two significant digits plus one, booleans and nulls one byte, lists and maps three
 * bytes plus one per element plus their elements. Hand-written: the rules are these few lines and
 * no maintained package computes them for document-client items.
 */

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function numberBytes(value: number): number {
  const digits = Math.abs(value).toString().replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number') return numberBytes(value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, element: unknown) => sum + 1 + valueBytes(element), 0);
  if (typeof value === 'object' && value !== undefined) {
    return 3 + Object.entries(value).reduce((sum, [name, element]) => sum + 1 + utf8Bytes(name) + valueBytes(element), 0);
  }
  return 0;
}

/** Bytes of a document-client item (plain JavaScript values); `undefined` attributes are not stored. */
export function itemSizeBytes(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += utf8Bytes(name) + valueBytes(value);
  }
  return size;
}

/** Write request units of one write of an item of this size: one per started kilobyte. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}
