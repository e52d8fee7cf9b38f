/**
 * @module A machine's definition as clean JSON (the createMachine config shape Stately imports):
 * states, initial, transitions with targets, guards, actions, delays and invoked actors, all by
 * name. Served at `/api/v1/statecharts` and written by `mcpproxy statecharts export`.
 */
import type { AnyStateMachine } from 'xstate';

export interface TransitionJson {
  target?: string[];
  guard?: string;
  actions?: string[];
  reenter?: true;
}

export interface StateJson {
  type?: 'parallel' | 'final';
  initial?: string;
  entry?: string[];
  exit?: string[];
  invoke?: Array<{ id: string; src: string }>;
  on?: Record<string, TransitionJson[]>;
  after?: Record<string, TransitionJson[]>;
  always?: TransitionJson[];
  states?: Record<string, StateJson>;
}

export interface MachineJson extends StateJson {
  id: string;
}

interface NodeDefinition {
  id: string;
  type: string;
  initial?: { target: Array<{ key: string } | string> };
  entry: unknown[];
  exit: unknown[];
  invoke: Array<{ id: string; src: unknown }>;
  on: Record<string, RawTransition[]>;
  always?: RawTransition[];
  states: Record<string, NodeDefinition>;
}
interface RawTransition {
  target?: string[];
  guard?: unknown;
  actions?: unknown[];
  reenter?: boolean;
  delay?: string | number;
  eventType: string;
}

const nameOf = (x: unknown): string => {
  if (typeof x === 'string') return x;
  if (x && typeof x === 'object' && 'type' in x && typeof x.type === 'string') return x.type;
  return 'inline';
};

function transitionJson(t: RawTransition): TransitionJson {
  const out: TransitionJson = {};
  if (t.target && t.target.length > 0) out.target = t.target.map(String);
  if (t.guard !== undefined) out.guard = nameOf(t.guard);
  if (t.actions && t.actions.length > 0) out.actions = t.actions.map(nameOf);
  if (t.reenter) out.reenter = true;
  return out;
}

function stateJson(node: NodeDefinition): StateJson {
  const out: StateJson = {};
  if (node.type === 'parallel' || node.type === 'final') out.type = node.type;
  const childKeys = Object.keys(node.states);
  if (childKeys.length > 0 && node.initial?.target?.[0]) {
    const first = node.initial.target[0];
    out.initial = typeof first === 'string' ? first.split('.').pop()! : first.key;
  }
  if (node.entry.length > 0) out.entry = node.entry.map(nameOf);
  if (node.exit.length > 0) out.exit = node.exit.map(nameOf);
  if (node.invoke.length > 0) out.invoke = node.invoke.map((i) => ({ id: i.id, src: nameOf(i.src) }));
  for (const [eventType, transitions] of Object.entries(node.on)) {
    const delay = transitions[0]?.delay;
    if (eventType.startsWith('xstate.after.') && delay !== undefined) {
      out.after ??= {};
      out.after[String(delay)] = transitions.map(transitionJson);
    } else {
      out.on ??= {};
      out.on[eventType] = transitions.map(transitionJson);
    }
  }
  if (node.always && node.always.length > 0) out.always = node.always.map(transitionJson);
  if (childKeys.length > 0) {
    out.states = {};
    for (const key of childKeys) out.states[key] = stateJson(node.states[key]!);
  }
  return out;
}

interface LiveNode {
  always?: unknown[];
  states: Record<string, LiveNode>;
}

/**
 * Copies eventless (`always`) transitions from the live state nodes into the definition: XState
 * v5's `definition` leaves them out.
 */
function withAlways(definition: NodeDefinition, node: LiveNode): NodeDefinition {
  const states: Record<string, NodeDefinition> = {};
  for (const [key, child] of Object.entries(definition.states)) {
    states[key] = withAlways(child, node.states[key]!);
  }
  const always = node.always?.length
    ? (JSON.parse(JSON.stringify(node.always)) as RawTransition[])
    : definition.always;
  return { ...definition, states, ...(always ? { always } : {}) };
}

/** The JSON definition of a machine. */
export function machineJson(machine: AnyStateMachine): MachineJson {
  // State nodes serialize to their `#id` strings through toJSON.
  const definition = JSON.parse(JSON.stringify(machine.root.definition)) as NodeDefinition;
  const root = withAlways(definition, machine.root as unknown as LiveNode);
  return { id: machine.id, ...stateJson(root) };
}
