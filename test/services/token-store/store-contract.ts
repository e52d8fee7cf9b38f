/**
 * @module The contract every token store keeps, whatever its backend: round trip, generations,
 * compare-and-swap, deletes, shape checks, close. Each backend's test file runs it inside its own
 * `describe` and adds the tests only that backend has (watching, migrations, leases).
 */
import { expect, it } from 'vitest';
import { emptyRecord } from '../../../machines/upstream/token-record.js';
import { StoreError } from '../../../services/errors.js';
import type { TokenStore } from '../../../services/token-store/token-store.js';
import { GITHUB, LINEAR, loggedIn } from './support.js';

/** How the contract reaches one backend. */
export interface StoreBackend {
  /** A fresh, empty location (a data dir, a database URL). */
  newLocation(): Promise<string>;
  /** Opens a store (at `location`, else at a new one) that the test file closes after each test. */
  openStore(location?: string): Promise<TokenStore>;
  /** Opens a store the test closes itself. */
  openUntracked(location: string): Promise<TokenStore>;
}

/** Declares the contract's tests; call inside a `describe`. */
export function tokenStoreContract(backend: StoreBackend): void {
  it('reads back what was put, and reports missing keys as missing', async () => {
    const store = await backend.openStore();
    const record = loggedIn(GITHUB, 'at-1', 'rt-1');

    const stored = await store.put(record);

    expect(await store.read(GITHUB)).toEqual({ status: 'found', record: stored });
    expect(stored).toMatchObject({ tokens: record.tokens, expires_at: record.expires_at });
    expect(await store.read(LINEAR)).toEqual({ status: 'missing' });
  });

  it('keeps records across close and reopen', async () => {
    const location = await backend.newLocation();
    const first = await backend.openUntracked(location);
    const stored = await first.put(loggedIn(GITHUB, 'at-1'));
    await first.close();

    const second = await backend.openStore(location);

    expect(await second.read(GITHUB)).toEqual({ status: 'found', record: stored });
  });

  it('assigns generation (previous + 1) and updated_at itself', async () => {
    const store = await backend.openStore();
    const before = Date.now();

    const first = await store.put({ ...loggedIn(GITHUB, 'at-1'), generation: 41, updated_at: 5 });
    const second = await store.put({ ...first, generation: 0 });

    expect(first.generation).toBe(1);
    expect(second.generation).toBe(2);
    expect(first.updated_at).toBeGreaterThanOrEqual(before);
    expect(second.updated_at).toBeLessThanOrEqual(Date.now());
  });

  it('commits when the expected generation matches (0 = no record yet)', async () => {
    const store = await backend.openStore();

    const created = await store.commit(loggedIn(GITHUB, 'at-1'), 0);
    expect(created).toMatchObject({ committed: true, record: { generation: 1 } });
    const rotated = await store.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), 1);

    expect(rotated).toMatchObject({ committed: true, record: { generation: 2 } });
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.refresh_token).toBe('rt-2');
  });

  it('refuses a stale commit and returns the current record instead', async () => {
    const store = await backend.openStore();
    await store.commit(loggedIn(GITHUB, 'at-1', 'rt-1'), 0);
    const winner = await store.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), 1);

    const loser = await store.commit(loggedIn(GITHUB, 'at-3', 'rt-3'), 1);
    const late = await store.commit(loggedIn(GITHUB, 'at-4', 'rt-4'), 0);

    expect(winner.committed).toBe(true);
    expect(loser).toEqual({ committed: false, current: winner.committed && winner.record });
    expect(late.committed).toBe(false);
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.access_token).toBe('at-2');
  });

  it('deletes only at the expected generation, or always without one', async () => {
    const store = await backend.openStore();
    await store.put(loggedIn(GITHUB, 'at-1'));
    await store.put(loggedIn(GITHUB, 'at-2'));
    await store.put(loggedIn(LINEAR, 'at-3'));

    expect(await store.delete(GITHUB, 1)).toBe(false);
    expect((await store.read(GITHUB)).status).toBe('found');
    expect(await store.delete(GITHUB, 2)).toBe(true);
    expect(await store.delete(LINEAR)).toBe(true);
    expect(await store.delete(LINEAR)).toBe(false);

    expect(await store.read(GITHUB)).toEqual({ status: 'missing' });
    expect(await store.read(LINEAR)).toEqual({ status: 'missing' });
  });

  it('never reuses a generation after a delete, so a stale commit cannot land on a new login', async () => {
    const store = await backend.openStore();
    await store.put(loggedIn(GITHUB, 'at-old'));
    await store.delete(GITHUB);

    const relogin = await store.commit(loggedIn(GITHUB, 'at-new', 'rt-new'), 0);
    const stale = await store.commit(loggedIn(GITHUB, 'at-stale', 'rt-stale'), 1);

    expect(relogin).toMatchObject({ committed: true, record: { generation: 2 } });
    expect(stale.committed).toBe(false);
  });

  it('rejects a record of the wrong shape instead of storing it', async () => {
    const store = await backend.openStore();
    const bad = { ...emptyRecord(GITHUB, 'github', null), scopes: 'repo' as unknown as string[] };

    await expect(store.put(bad)).rejects.toThrow(/invalid token record.*scopes/);
    expect(await store.read(GITHUB)).toEqual({ status: 'missing' });
  });

  it('closes twice without error and refuses use after close with a StoreError', async () => {
    const store = await backend.openUntracked(await backend.newLocation());

    await store.close();
    await store.close();

    await expect(store.read(GITHUB)).rejects.toThrow(StoreError);
    await expect(store.put(loggedIn(GITHUB, 'x'))).rejects.toThrow(/is closed/);
  });
}
