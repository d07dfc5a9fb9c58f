/**
 * What a simulator offers `rollcall simulate --app NAME` (and the demo): its own flags and a
 * start function. The list of simulators is `simulators/index.ts`; the command knows none by name.
 */
import type { Option } from 'commander';

/** What every simulator is started with, whatever its app. */
export interface SimulatorStartRequest {
  /** 0: any free port. */
  readonly port: number;
  /** Users in the generated workspace. */
  readonly users: number;
  readonly seed: number;
  /** Delay before each data answer, in ms. */
  readonly latencyMs: number;
  /** The environment: a simulator accepts the credentials its app's variables hold, when set. */
  readonly env: NodeJS.ProcessEnv;
  /** This simulator's own flags, by Commander attribute name, as parsed. */
  readonly flags: Readonly<Record<string, unknown>>;
}

export interface RunningSimulator {
  /** What a person reads: where it listens and how to poll it. */
  readonly banner: readonly string[];
  close(): Promise<void>;
}

export interface SimulatorEntry {
  /** The app's registry name (`functions/connectors/index.ts`). */
  readonly app: string;
  readonly title: string;
  /** Its own flags (faults, pagination); built anew per command, as Commander options are mutable. */
  options(): readonly Option[];
  start(request: SimulatorStartRequest): Promise<RunningSimulator>;
}
