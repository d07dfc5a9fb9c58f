/**
 * The simulator registry, by the app's registry name:
 * - `SIMULATORS`: each app's start function (a seeded workspace, the credentials it accepts,
 *   faults, a port -> a running loopback server with `close()`), for tests, the demo and the bench;
 * - `SIMULATE_COMMANDS`: what `rollcall simulate --app NAME` serves: the simulator's own flags and
 *   how it starts from them.
 * Adding an app's simulator is its folder under `simulators/` and one line in each.
 */
import type { SimulatorEntry } from './registry.ts';
import { startTorqSimulator } from './torq/index.ts';
import { torqSimulator } from './torq/cli.ts';
import { startTwingateSimulator } from './twingate/index.ts';
import { twingateSimulator } from './twingate/cli.ts';
import { startScimSimulator } from './scim/index.ts';
import { scimSimulator } from './scim/cli.ts';

export type { RunningSimulator, SimulatorEntry, SimulatorStartRequest } from './registry.ts';

export const SIMULATORS = {
  torq: startTorqSimulator,
  twingate: startTwingateSimulator,
  scim: startScimSimulator,
} as const;

export type SimulatorName = keyof typeof SIMULATORS;

export const SIMULATOR_NAMES = Object.keys(SIMULATORS) as SimulatorName[];

export function isSimulatorName(name: string): name is SimulatorName {
  return Object.hasOwn(SIMULATORS, name);
}

/** In the order `--help` lists them; the first is `simulate --app`'s default. */
export const SIMULATE_COMMANDS: ReadonlyMap<string, SimulatorEntry> = new Map(
  [torqSimulator, twingateSimulator, scimSimulator].map((entry) => [entry.app, entry]),
);
