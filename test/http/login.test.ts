/**
 * @module `startLogin`'s refusals over real upstream actors: a URL server that has not connected
 * (so whether it needs OAuth is not known) is told apart from one that connected without OAuth.
 */
import { describe, expect, it } from 'vitest';
import { startLogin } from '../../http/login.js';
import { requireUpstream } from '../../http/upstreams.js';
import { BadRequestError, ConflictError } from '../../services/errors.js';
import type { FakeMode } from '../helpers/machine-harness.js';
import { createHarness, plainEntry, spec } from '../helpers/machine-harness.js';

/** A started harness with one URL server without an `oauth` block, connecting as `mode` says. */
async function oneServer(connectMode: FakeMode) {
  const h = createHarness({
    servers: [spec(plainEntry('far'))],
    configure: (world) => (world.connectMode = connectMode),
  });
  h.supervisor.start();
  await h.advance(0);
  return h;
}

const refusal = (h: Awaited<ReturnType<typeof oneServer>>) =>
  startLogin(requireUpstream(h.supervisor, 'far'), false, 50).then(
    () => expect.fail('the login was accepted'),
    (error: unknown) => error as Error,
  );

describe('POST /login on a server without an oauth block', () => {
  it('that could not be reached: says so with the last error, not "does not use OAuth"', async () => {
    const h = await oneServer({ result: 'failed_network', message: 'connect ECONNREFUSED' });
    expect(h.state('far')).toBe('retrying');

    const error = await refusal(h);

    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(
      /^far could not be reached, so mcpproxy cannot tell yet whether it needs a login \(last error: connect ECONNREFUSED\)\. It keeps retrying/,
    );
    expect(error.message).not.toContain('does not use OAuth');
    h.supervisor.stop();
  });

  it('that connected without OAuth: there is nothing to log in to', async () => {
    const h = await oneServer('ok');
    expect(h.state('far')).toBe('connected');

    const error = await refusal(h);

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe('far does not use OAuth: there is nothing to log in to.');
    h.supervisor.stop();
  });
});
