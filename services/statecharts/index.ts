/** @module The machines' exported definitions: JSON for Stately, Mermaid for docs. */
import { supervisorMachine } from '../../machines/supervisor/supervisor.machine.js';
import { upstreamMachine } from '../../machines/upstream/upstream.machine.js';
import { machineJson, type MachineJson } from './definition.js';
import { toMermaid } from './mermaid.js';

export { machineJson, toMermaid };
export type { MachineJson, StateJson, TransitionJson } from './definition.js';

/** Every machine of the project, by name. */
export function statecharts(): Record<string, MachineJson> {
  return { upstream: machineJson(upstreamMachine), supervisor: machineJson(supervisorMachine) };
}

/** The files `mcpproxy statecharts export` writes: name → content. */
export function statechartFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, json] of Object.entries(statecharts())) {
    files[`${name}.json`] = `${JSON.stringify(json, null, 2)}\n`;
    files[`${name}.mmd`] = toMermaid(json);
  }
  return files;
}
