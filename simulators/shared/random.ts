/**
 * A seeded pseudo-random source for reproducible simulated workspaces.
 * Not for anything security-related: page tokens and access tokens use node:crypto instead.
 */

/** Small helpers over one seeded stream. */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A lower-case RFC 4122 version-4-shaped id, deterministic for the stream. */
  uuid(): string;
}

/**
 * mulberry32, hand-written because it is five lines: a fast 32-bit generator with good enough
 * statistics for fixtures, and no library is worth a dependency for it.
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function createSeededRandom(seed: number): SeededRandom {
  if (!Number.isSafeInteger(seed)) throw new RangeError('seed must be a safe integer');
  const next = mulberry32(seed);
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  const bytes = new Uint8Array(16);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list');
      return items[int(items.length)] as T;
    },
    uuid() {
      for (let i = 0; i < 16; i += 4) {
        const word = Math.floor(next() * 4294967296);
        bytes[i] = word >>> 24;
        bytes[i + 1] = word >>> 16;
        bytes[i + 2] = word >>> 8;
        bytes[i + 3] = word;
      }
      // Version nibble 4 and variant bits 10xx, as in a random (v4) UUID.
      bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
      bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
      let id = '';
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) id += '-';
        id += HEX_BYTES[bytes[i] as number] as string;
      }
      return id;
    },
  };
}
