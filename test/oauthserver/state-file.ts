/**
 * @module Optional persistence of the test server's auth state (clients, codes, grants, tokens)
 * in a JSON file, so a test can kill the server process and restart it on the same port without
 * it forgetting what it issued ("AS down and restarted"). Written atomically after every answer.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AuthStore } from './state.js';

/** The file's shape: each map of the store as its entries. */
interface StateFileContent {
  version: 1;
  clients: [string, unknown][];
  codes: [string, unknown][];
  grants: [string, unknown][];
  accessTokens: [string, unknown][];
  refreshTokens: [string, unknown][];
}

const MAPS = ['clients', 'codes', 'grants', 'accessTokens', 'refreshTokens'] as const;

/** A store filled from `path`; an empty store when the file does not exist yet. */
export function loadAuthStore(path: string): AuthStore {
  const store = new AuthStore();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return store;
    throw error;
  }
  const content = JSON.parse(text) as StateFileContent;
  for (const name of MAPS) {
    const target = store[name] as Map<string, unknown>;
    for (const [key, value] of content[name] ?? []) target.set(key, value);
  }
  return store;
}

/** Writes the whole store to `path` (temp file + rename: a crash never leaves half a file). */
export function saveAuthStore(path: string, store: AuthStore): void {
  const content: StateFileContent = {
    version: 1,
    clients: [...store.clients],
    codes: [...store.codes],
    grants: [...store.grants],
    accessTokens: [...store.accessTokens],
    refreshTokens: [...store.refreshTokens],
  };
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(content), { mode: 0o600 });
  renameSync(temp, path);
}
