/**
 * Issue 3, refresh-token rotation against the OAuth test server (rotation + RFC 9700 reuse
 * detection) with a real LMDB store: twenty refreshes in a row, each presenting the refresh token
 * the previous one issued and committed, so the AS never sees a reused one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/proxy-process.js';
import { authorizeCount, refreshRequests, tokenRequests } from './support/as-log.js';
import { loginThroughDaemon } from './support/login.js';
import { serverView } from './support/rest.js';
import { storedSummary } from './support/store.js';
import { e2eWorld, oauthConfig } from './support/world.js';

describe('refresh-token rotation', () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('rotates 20 times in a row, each refresh presenting the token the previous one issued, never a reused one', async () => {
    const as = await world.authServer({ accessTokenTtlS: 2, rotateRefreshTokens: true });
    const dataDir = await world.dir();
    // Refresh at half of a 2 s lifetime: one refresh per second (the fastest min_interval_s).
    const config = oauthConfig([['oauth', as]], { refresh: { min_interval_s: 1, threshold: 0.5 } });
    const proxy = await world.proxy({ config, dataDir, logLevel: 'info' });
    await loginThroughDaemon(proxy.url, 'oauth');

    await waitFor(() => refreshRequests(as).length >= 20, {
      timeoutMs: 40_000,
      what: '20 refreshes',
    });
    const chain = [...tokenRequests(as, 'authorization_code'), ...refreshRequests(as)];
    expect(chain.every((e) => e.status === 200 && e.reused_refresh_token !== true)).toBe(true);
    for (let i = 1; i < chain.length; i++) {
      expect(chain[i]!.refresh_token_fp).toBe(chain[i - 1]!.issued_refresh_token_fp);
    }
    // The newest rotation is the one committed to LMDB.
    await waitFor(async () => {
      const issued = refreshRequests(as).at(-1)!.issued_refresh_token_fp;
      return (await storedSummary(dataDir, 'oauth', as.mcpUrl)).refresh_fp === issued;
    });
    expect((await serverView(proxy.url, 'oauth')).state).toMatch(/^authenticated/);
    expect(authorizeCount(as)).toBe(1);
  }, 60_000);
});
