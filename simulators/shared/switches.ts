/**
 * The simulators' fault and quirk sets: named switches a test turns on and off one by one. A
 * merge takes only known names (a typo fails loudly instead of testing nothing), lets `undefined`
 * clear a switch, and checks the values of the result.
 */
export function mergeSwitches<T extends object>(
  known: readonly (keyof T & string)[],
  current: T,
  update: Partial<T>,
  noun: string,
  validate: (merged: T) => void,
): T {
  for (const key of Object.keys(update)) {
    if (!(known as readonly string[]).includes(key)) throw new RangeError(`unknown ${noun} ${key}`);
  }
  const merged: T = { ...current };
  for (const key of known) {
    if (!(key in update)) continue;
    const value = update[key];
    if (value === undefined) delete merged[key];
    else Object.assign(merged, { [key]: value });
  }
  validate(merged);
  return merged;
}
