/** @module The scope waterfall (SPEC §3): configured, else the challenge's, else PRM's, else none; plus step-up. */

export interface ScopeSources {
  configured: string[];
  challengeScope: string | null;
  supported: string[] | undefined;
  /** Scopes an `insufficient_scope` answer asked for (step-up). */
  extra: string[];
  /** Scopes granted before (kept on step-up so the new token can do what the old one did). */
  granted: string[];
}

/** The scopes to request, in a stable order, without duplicates. */
export function selectScopes(sources: ScopeSources): string[] {
  const base =
    sources.configured.length > 0
      ? sources.configured
      : sources.challengeScope
        ? splitScope(sources.challengeScope)
        : (sources.supported ?? []);
  const stepUp = sources.extra.length > 0 ? [...sources.granted, ...sources.extra] : [];
  return [...new Set([...base, ...stepUp])];
}

/** Splits an OAuth `scope` string into its tokens. */
export function splitScope(scope: string | null | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter((s) => s.length > 0);
}
