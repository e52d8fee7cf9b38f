/**
 * @module A test machine whose context, events, children and invoked actors hold secrets at
 * every depth, shaped like the upstream actor's (record.tokens, registration, pending, headers,
 * env, a live session), to prove inspection never lets one out.
 */
import { assign, fromPromise, setup } from 'xstate';

/** Every secret value the machine holds; none may appear in an inspection message. */
export const SECRETS = {
  access: 'AT-secret-7c1f9e',
  refresh: 'RT-secret-2b8d4a',
  idToken: 'IDT-secret-5e3a1c',
  clientSecret: 'CS-secret-9f0b7d',
  header: 'HDR-secret-4a6e2f',
  env: 'ENV-secret-8c5d3b',
  bearer: 'BEARER-secret-1d9e7a',
  code: 'CODE-secret-6f2c8e',
  sessionKey: 'SESSION-secret-3e7b1a',
  pending: 'PENDING-secret-0a4f6c',
} as const;

/** A token record like the store's, holding the secrets. */
export function secretRecord(generation = 1) {
  return {
    server_key: 'demo_0123456789abcdef',
    name: 'demo',
    generation,
    tokens: {
      access_token: SECRETS.access,
      refresh_token: SECRETS.refresh,
      id_token: SECRETS.idToken,
      token_type: 'Bearer',
      expires_in: 30,
      scope: 'mcp',
      vendor_blob: { nested: [{ opaque: SECRETS.access }] },
    },
    issued_at: 1_700_000_000_000,
    expires_at: 1_700_000_030_000,
    registration: { client_id: 'client-1', client_secret: SECRETS.clientSecret },
  };
}

/** A stand-in for a live MCP session: methods, and a secret in a private-looking field. */
class FakeSession {
  readonly headers = { Authorization: `Bearer ${SECRETS.bearer}` };
  readonly key = SECRETS.sessionKey;
  callTool() {
    return this.key;
  }
}

const refresh = fromPromise(
  async ({ input }: { input: { record: ReturnType<typeof secretRecord> } }) => ({
    kind: 'issued' as const,
    record: { ...input.record, generation: input.record.generation + 1 },
  }),
);

/** idle → (go) working (invokes refresh with the record) → done → idle. */
export const secretMachine = setup({
  types: {} as {
    context: Record<string, unknown>;
    events: { type: 'go' } | { type: 'token.persisted'; record: unknown };
  },
  actors: { refresh },
}).createMachine({
  id: 'secretive',
  context: () => ({
    entry: {
      name: 'demo',
      headers: { 'X-Custom': SECRETS.header },
      env: { DEMO_CREDENTIAL: SECRETS.env },
      oauth: { client_id: 'client-1', client_secret: SECRETS.clientSecret },
    },
    record: secretRecord(),
    pending: { ...secretRecord(2), marker: SECRETS.pending },
    session: new FakeSession(),
    deep: [new Map([['k', { a: { b: { c: { access_token: SECRETS.access } } } }]])],
    note: `GET /cb?code=${SECRETS.code}&state=xyz then Authorization: Bearer ${SECRETS.bearer}`,
    now: () => 42,
  }),
  initial: 'idle',
  states: {
    idle: { on: { go: 'working' } },
    working: {
      invoke: {
        src: 'refresh',
        input: ({ context }) => ({ record: context.record as ReturnType<typeof secretRecord> }),
        onDone: { target: 'idle', actions: assign({ record: ({ event }) => event.output.record }) },
      },
      on: { 'token.persisted': { actions: assign({ record: ({ event }) => event.record }) } },
    },
  },
});
