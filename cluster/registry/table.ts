import type { NodeName } from '../api.ts';

/** One global name: who owns it and since when (the owner's clock, ms since epoch). */
export interface Registration {
  readonly name: string;
  readonly owner: NodeName;
  readonly at: number;
  /** pending while the owner is still collecting agreement; only committed names are visible */
  readonly state: 'pending' | 'committed';
}

/**
 * The conflict rule, applied identically on every node so that all of them pick the same
 * winner without talking: the earlier registration wins; at equal times, the owner whose node
 * name sorts first wins. Returns true when `a` beats `b`.
 */
export function wins(
  a: Pick<Registration, 'owner' | 'at'>,
  b: Pick<Registration, 'owner' | 'at'>,
): boolean {
  if (a.at !== b.at) return a.at < b.at;
  return a.owner < b.owner;
}

/**
 * Between two claims still in progress, the lower node name wins, whatever the times: a claim
 * that loses here is abandoned and retried by the caller if it wants to.
 */
export function claimBeats(claimant: NodeName, holder: NodeName): boolean {
  return claimant < holder;
}

export type ClaimVerdict =
  | { readonly accept: true; readonly displaced?: Registration }
  | { readonly accept: false; readonly holder: NodeName };

/** What a node answers to `claimant` asking for `name`, given what it holds. */
export function judgeClaim(current: Registration | undefined, claimant: NodeName): ClaimVerdict {
  if (!current || current.owner === claimant) return { accept: true };
  if (current.state === 'committed') return { accept: false, holder: current.owner };
  if (claimBeats(claimant, current.owner)) return { accept: true, displaced: current };
  return { accept: false, holder: current.owner };
}

export type MergeOutcome =
  | { readonly kind: 'adopt' } // take the incoming registration
  | { readonly kind: 'keep' } // ours stays
  | { readonly kind: 'replace'; readonly loser: Registration }; // incoming beats ours

/** Merge a committed registration announced by its owner with what this node holds. */
export function mergeCommitted(
  current: Registration | undefined,
  incoming: Pick<Registration, 'owner' | 'at'>,
): MergeOutcome {
  if (!current || current.owner === incoming.owner) return { kind: 'adopt' };
  if (current.state === 'pending') {
    // A committed registration beats any claim still in progress.
    return { kind: 'replace', loser: current };
  }
  return wins(incoming, current) ? { kind: 'replace', loser: current } : { kind: 'keep' };
}
