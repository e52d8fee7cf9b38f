/**
 * @module CPU profiles of one phase of a bench (`--profile <file.cpuprofile>`), through the
 * inspector, so start-up and teardown do not blur the picture (`node --cpu-prof` profiles the
 * whole process). Open the file in Chrome DevTools or VS Code.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/** Runs `phase` under the CPU profiler when `file` is set; writes the profile there. */
export async function profiled<T>(file: string | undefined, phase: () => Promise<T>): Promise<T> {
  if (!file) return phase();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  try {
    return await phase();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`CPU profile written to ${file}`);
  }
}
