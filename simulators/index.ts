/**
 * The simulators `rollcall simulate --app NAME` serves: one entry per app that has one. Adding a
 * simulator is its folder under `simulators/` and one entry here.
 */
import type { SimulatorEntry } from './registry.ts';
import { torqSimulator } from './torq/cli.ts';

export type { RunningSimulator, SimulatorEntry, SimulatorStartRequest } from './registry.ts';

/** By app name, in the order `--help` lists them; the first is `--app`'s default. */
export const SIMULATORS: ReadonlyMap<string, SimulatorEntry> = new Map([torqSimulator].map((entry) => [entry.app, entry]));
