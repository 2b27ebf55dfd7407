// What the fault suites share about their services: each runs as a real process under the
// testkit's supervisor (`superviseService`, which starts it again after any exit the test did not
// ask for, as Kubernetes would), and a failed accounting says how each one ended.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type SupervisedService, superviseService } from '@payhook/testkit';

/** Services under supervision, by instance name (`confirmation-filter`, or `dispatcher-2`). */
export type Fleet = Map<string, SupervisedService>;

/**
 * Supervises one instance of `services/<service>`. Instances of one service get a log folder
 * each under `logDir` (the log file is named after the service), so their logs stay apart.
 */
export function superviseInstance(
  fleet: Fleet,
  instance: string,
  service: string,
  env: Record<string, string>,
  logDir: string,
  log: (line: string) => void,
): SupervisedService {
  const dir = instance === service ? logDir : join(logDir, instance);
  mkdirSync(dir, { recursive: true });
  const supervised = superviseService(service, env, dir, { log: (line) => log(`${instance}: ${line}`) });
  fleet.set(instance, supervised);
  return supervised;
}

/** One line per service: running or exited, and the exits it did not ask for. */
export function logServices(fleet: Fleet, log: (line: string) => void): void {
  for (const [name, service] of fleet) {
    const child = service.current?.process;
    const state = child === undefined || (child.exitCode === null && child.signalCode === null) ? 'running' : 'exited';
    log(`  ${name}: ${state}; exits it did not ask for: ${service.unexpectedExits.join(', ') || 'none'}`);
  }
}

/** Exits each service did not ask for (the supervisor started it again), by instance. */
export function unexpectedExits(fleet: Fleet): Record<string, string[]> {
  return Object.fromEntries([...fleet].map(([name, s]) => [name, [...s.unexpectedExits]]));
}
