/**
 * @module "No data lost", checked from both ends: for every server, the refresh token stored in
 * PostgreSQL (decrypted with the replicas' key) must be the newest one the authorization server
 * issued to that server's client — matched by the AS log's fingerprints, never by token values.
 */
import { createHash } from 'node:crypto';
import { serverKey } from '../../../services/server-key.js';
import { openPostgresStore } from '../../../services/token-store/postgres-store.js';
import type { RequestLogEntry } from '../../oauthserver/index.js';
import { waitFor } from '../../helpers/proxy-process.js';
import type { ClusterSpec } from './cluster.js';

const fingerprint = (token: string) =>
  createHash('sha256').update(token).digest('hex').slice(0, 12);

/** The newest refresh-token fingerprint the AS issued per client, from its log. */
function newestIssued(log: RequestLogEntry[]): Map<string, string> {
  const newest = new Map<string, string>();
  for (const e of log) {
    if (e.path === '/token' && e.status === 200 && e.client_id && e.issued_refresh_token_fp) {
      newest.set(e.client_id, e.issued_refresh_token_fp);
    }
  }
  return newest;
}

/**
 * Compares the store with the AS log; answers the servers whose stored refresh token is not the
 * AS's newest, described (empty: nothing lost). A refresh in flight shows up as a mismatch for a
 * moment, so callers poll.
 */
export async function storeVersusAs(
  spec: ClusterSpec,
  log: () => RequestLogEntry[],
): Promise<string[]> {
  const store = await openPostgresStore({
    url: spec.storeUrl,
    encryptionKey: Buffer.from(spec.encryptionKey, 'hex'),
  });
  try {
    const mismatches: string[] = [];
    const reads = await Promise.all(spec.servers.map((s) => store.read(serverKey(s.name, s.url))));
    const newest = newestIssued(log());
    spec.servers.forEach((server, i) => {
      const read = reads[i]!;
      if (read.status !== 'found') {
        mismatches.push(`${server.name}: ${read.status}`);
        return;
      }
      const clientId = read.record.registration?.client_id;
      const stored = read.record.tokens?.refresh_token;
      const issued = clientId ? newest.get(clientId) : undefined;
      if (!stored || !issued || fingerprint(stored) !== issued) {
        mismatches.push(
          `${server.name}: stored ${stored ? fingerprint(stored) : 'nothing'}, AS newest ${issued ?? 'none'}`,
        );
      }
    });
    return mismatches;
  } finally {
    await store.close();
  }
}

/** The configured server whose stored registration is `clientId`'s, if any. */
export async function serverOfClient(spec: ClusterSpec, clientId: string): Promise<string | null> {
  const store = await openPostgresStore({
    url: spec.storeUrl,
    encryptionKey: Buffer.from(spec.encryptionKey, 'hex'),
  });
  try {
    for (const server of spec.servers) {
      const read = await store.read(serverKey(server.name, server.url));
      if (read.status === 'found' && read.record.registration?.client_id === clientId) {
        return server.name;
      }
    }
    return null;
  } finally {
    await store.close();
  }
}

/**
 * What {@link storeVersusAs} still finds after waiting (bounded, 10 s) for the refreshes in
 * flight to commit: empty when nothing was lost.
 */
export async function unstoredAfterSettling(world: {
  spec: ClusterSpec;
  as: { log(): RequestLogEntry[] };
}): Promise<string[]> {
  const check = () => storeVersusAs(world.spec, () => world.as.log());
  return waitFor(async () => ((await check()).length === 0 ? [] : null), {
    timeoutMs: 10_000,
    intervalMs: 200,
    what: 'the store to hold the newest tokens',
  }).catch(check);
}
