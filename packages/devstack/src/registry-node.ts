import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { livePid, run, startDetached, stopPid, waitFor } from './processes.ts';
import { type DevStackSettings, VERSIONS } from './settings.ts';

/** Path of the Confluent-compatible API on an Apicurio registry. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

function paths(settings: DevStackSettings) {
  const dir = join(settings.stateDir, 'registry');
  return {
    dir,
    log: join(dir, 'registry.log'),
    pid: join(dir, 'registry.pid'),
    dist: join(settings.cacheDir, `apicurio-registry-${VERSIONS.apicurio}`),
  };
}

/** The registry's Confluent-compatible API URL. */
export function registryUrl(settings: DevStackSettings): string {
  return `http://${settings.host}:${settings.registryPort}${CCOMPAT_PATH}`;
}

/** The runnable jar of the registry's assembly, fetched and extracted the first time. */
function runnerJar(settings: DevStackSettings, progress: (line: string) => void): string {
  const p = paths(settings);
  const find = () =>
    existsSync(p.dist)
      ? readdirSync(p.dist).find((f) => f.endsWith('-runner.jar') || f === 'quarkus-run.jar')
      : undefined;
  let jar = find();
  if (jar === undefined) {
    progress(`fetching Apicurio Registry ${VERSIONS.apicurio} from Maven Central (first run only)`);
    rmSync(p.dist, { recursive: true, force: true });
    mkdirSync(p.dist, { recursive: true });
    run('mvn', [
      '-q',
      '-B',
      'dependency:copy',
      `-Dartifact=io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`,
      `-DoutputDirectory=${p.dist}`,
    ]);
    const archive = readdirSync(p.dist).find((f) => f.endsWith('.tar.gz'));
    if (archive === undefined) throw new Error('the Apicurio assembly was not downloaded');
    run('tar', ['xzf', join(p.dist, archive), '-C', p.dist]);
    rmSync(join(p.dist, archive));
    jar = find();
    if (jar === undefined) throw new Error('the Apicurio assembly holds no runnable jar');
  }
  return join(p.dist, jar);
}

/** Whether the registry's Confluent-compatible API answers. */
export async function registryReady(settings: DevStackSettings): Promise<boolean> {
  try {
    const response = await fetch(`${registryUrl(settings)}/subjects`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Starts the registry (in-memory storage) unless it runs already. */
export async function startRegistry(
  settings: DevStackSettings,
  progress: (line: string) => void,
): Promise<'started' | 'running'> {
  const p = paths(settings);
  if (livePid(p.pid) !== undefined && (await registryReady(settings))) return 'running';
  await stopPid(p.pid);
  const jar = runnerJar(settings, progress);
  mkdirSync(p.dir, { recursive: true });
  progress(`starting Apicurio Registry on ${settings.registryPort}`);
  const pid = startDetached(
    'java',
    [
      `-Xmx${settings.registryHeap}`,
      '-XX:+UseSerialGC',
      `-Dquarkus.http.port=${settings.registryPort}`,
      `-Dquarkus.http.host=${settings.host}`,
      '-Dquarkus.log.level=WARN',
      '-Dquarkus.log.category."io.apicurio".level=INFO',
      '-jar',
      jar,
    ],
    { cwd: p.dir, logFile: p.log, pidFile: p.pid },
  );
  await waitFor(
    'Apicurio Registry',
    () => registryReady(settings),
    120_000,
    () => livePid(p.pid) === pid,
  );
  return 'started';
}

/** Stops the registry. */
export function stopRegistry(settings: DevStackSettings): Promise<boolean> {
  return stopPid(paths(settings).pid);
}

/** The registry's PID, when it runs. */
export function registryPid(settings: DevStackSettings): number | undefined {
  return livePid(paths(settings).pid);
}

/** Log files a person reads when the registry misbehaves. */
export function registryLogs(settings: DevStackSettings): string[] {
  return [paths(settings).log];
}
