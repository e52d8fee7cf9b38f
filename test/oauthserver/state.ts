/**
 * @module In-memory state of the authorization server: registered clients, authorization codes,
 * grants and the opaque access/refresh tokens issued under them, and the admin operations on them
 * (revoke, expire, forget clients). No protocol rules here.
 */
import { createHash, randomBytes } from 'node:crypto';

export type ClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

/** A registered client (RFC 7591 metadata as accepted, plus its credentials). */
export interface Client {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  redirect_uris: string[];
  token_endpoint_auth_method: ClientAuthMethod;
  grant_types: string[];
  response_types: string[];
  client_name?: string;
  scope?: string;
}

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  resource: string;
  expiresAt: number;
  used: boolean;
  /** The grant created by redeeming the code (revoked if the code is replayed). */
  grantId?: string;
}

/** One user authorization; every token belongs to one grant. */
export interface Grant {
  id: string;
  clientId: string;
  scopes: string[];
  resource: string;
  createdAt: number;
  revokedAt?: number;
  revokedReason?: string;
}

export interface AccessToken {
  grantId: string;
  scopes: string[];
  expiresAt: number;
}

export interface RefreshToken {
  grantId: string;
  expiresAt: number | null;
  /** Set when rotation retired it; presenting it again is reuse. */
  rotatedAt?: number;
}

/** Grant summary for tests: no token values, only counts. */
export interface GrantView {
  id: string;
  client_id: string;
  scopes: string[];
  created_at: string;
  revoked: boolean;
  revoked_reason?: string;
  live_access_tokens: number;
  live_refresh_tokens: number;
}

/** A random URL-safe secret with a readable prefix. */
export function randomToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/** The first 12 hex digits of sha256(value): identifies a secret in logs without revealing it. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}

/** All clients, codes, grants and tokens of one server instance. */
export class AuthStore {
  readonly clients = new Map<string, Client>();
  readonly codes = new Map<string, AuthCode>();
  readonly grants = new Map<string, Grant>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();

  addClient(client: Client): Client {
    this.clients.set(client.client_id, client);
    return client;
  }

  createGrant(clientId: string, scopes: string[], resource: string, now: number): Grant {
    const grant: Grant = { id: randomToken('grant'), clientId, scopes, resource, createdAt: now };
    this.grants.set(grant.id, grant);
    return grant;
  }

  issueAccessToken(grantId: string, scopes: string[], expiresAt: number): string {
    const token = randomToken('at');
    this.accessTokens.set(token, { grantId, scopes, expiresAt });
    return token;
  }

  issueRefreshToken(grantId: string, expiresAt: number | null): string {
    const token = randomToken('rt');
    this.refreshTokens.set(token, { grantId, expiresAt });
    return token;
  }

  /** A grant that exists and is not revoked. */
  liveGrant(grantId: string): Grant | undefined {
    const grant = this.grants.get(grantId);
    return grant && grant.revokedAt === undefined ? grant : undefined;
  }

  /** Revokes a grant: its tokens stop working at once. */
  revokeGrant(grantId: string, reason: string, now: number): void {
    const grant = this.grants.get(grantId);
    if (grant && grant.revokedAt === undefined) {
      grant.revokedAt = now;
      grant.revokedReason = reason;
    }
  }

  revokeAll(reason: string, now: number): number {
    let count = 0;
    for (const grant of this.grants.values()) {
      if (grant.revokedAt === undefined) count += 1;
      this.revokeGrant(grant.id, reason, now);
    }
    return count;
  }

  /**
   * Forgets registered clients, every one or only `clientId`, as an authorization server whose
   * database was reset or whose client was deleted: their codes are dropped and their grants
   * revoked; the token endpoint then answers `invalid_client` and the authorize endpoint refuses
   * them. Answers the forgotten client_ids.
   */
  forgetClients(clientId: string | undefined, now: number): string[] {
    const forgotten = clientId === undefined ? [...this.clients.keys()] : [clientId];
    const gone = new Set(forgotten.filter((id) => this.clients.delete(id)));
    for (const [code, entry] of this.codes) if (gone.has(entry.clientId)) this.codes.delete(code);
    for (const grant of this.grants.values()) {
      if (gone.has(grant.clientId)) this.revokeGrant(grant.id, 'client forgotten by admin', now);
    }
    return [...gone];
  }

  /** Makes tokens of the given kind expired now (simulates the TTL passing). */
  expire(kind: 'access' | 'refresh' | 'all', now: number): void {
    if (kind !== 'refresh') {
      for (const t of this.accessTokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
    }
    if (kind !== 'access') {
      for (const t of this.refreshTokens.values()) t.expiresAt = Math.min(t.expiresAt ?? now, now);
    }
  }

  grantViews(now: number): GrantView[] {
    return [...this.grants.values()].map((g) => {
      const live = g.revokedAt === undefined;
      const count = <T extends { grantId: string }>(m: Map<string, T>, ok: (t: T) => boolean) =>
        live ? [...m.values()].filter((t) => t.grantId === g.id && ok(t)).length : 0;
      return {
        id: g.id,
        client_id: g.clientId,
        scopes: g.scopes,
        created_at: new Date(g.createdAt).toISOString(),
        revoked: !live,
        ...(g.revokedReason !== undefined ? { revoked_reason: g.revokedReason } : {}),
        live_access_tokens: count(this.accessTokens, (t) => t.expiresAt > now),
        live_refresh_tokens: count(
          this.refreshTokens,
          (t) => t.rotatedAt === undefined && (t.expiresAt === null || t.expiresAt > now),
        ),
      };
    });
  }
}
