/**
 * The simulator registry: one start function per app, by the app's registry name, for
 * `rollcall simulate --app NAME` and the demo. Each start function takes that app's options
 * (a seeded workspace from the app folder's generator, the credentials it accepts, faults, a
 * port) and resolves to a running loopback server with `close()`:
 *
 *   const sim = await SIMULATORS.twingate({ workspace: generateTwingateWorkspace({ users: 500 }), apiKey });
 *   // point the connector at sim.apiUrl; later: await sim.close();
 *
 * Adding an app's simulator is one line here.
 */
import { startTorqSimulator } from './torq/index.ts';
import { startTwingateSimulator } from './twingate/index.ts';

export const SIMULATORS = {
  torq: startTorqSimulator,
  twingate: startTwingateSimulator,
} as const;

export type SimulatorName = keyof typeof SIMULATORS;

export const SIMULATOR_NAMES = Object.keys(SIMULATORS) as SimulatorName[];

export function isSimulatorName(name: string): name is SimulatorName {
  return Object.hasOwn(SIMULATORS, name);
}
