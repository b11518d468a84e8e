/**
 * The answer a key stands for, replayed as it was first given: the operation's result. How a channel presents
 * it (an HTTP status, a `Location`) follows from the result, so it is not kept.
 */
export type KeptResponse = { body: unknown };

/** Whose key, for which operation: the same key from someone else, or for another operation, is another key. */
export type KeyScope = { principal: string; operation: string; key: string };

export type KeyClaim = {
  /**
   * A random token of this one claim: renewing, answering and releasing it are conditioned on it, so a claimer
   * whose lease lapsed (its renewals failed) cannot extend, overwrite or delete the claim of who took over.
   */
  owner: string;
  /** Digest of the request's validated input: the same key with other input is refused. */
  requestHash: string;
  createdAt: string;
  expiresAt: string;
  /**
   * Until when the claimer is known to be at work: it renews this while it works, so a claim left by a process
   * that died lapses and another may take the key over, while one of a live replica is waited for.
   */
  leaseUntil: string;
};

export type KeyRecord = {
  requestHash: string;
  /** Null while the request that claimed the key is still being answered. */
  response: KeptResponse | null;
  /** While no response is kept: until when the claim's owner holds it (null for a claim of before leases). */
  leaseUntil: string | null;
};

/** `Idempotency-Key` claims and the answers they stand for, until they expire. */
export interface IdempotencyStore {
  find(scope: KeyScope): Promise<KeyRecord | undefined>;
  /** Claims the key for a request being answered; false, changing nothing, when the key is claimed already. */
  claim(scope: KeyScope, claim: KeyClaim): Promise<boolean>;
  /** Extends `owner`'s pending claim; false, changing nothing, when it is answered, gone or another's. */
  renew(scope: KeyScope, owner: string, leaseUntil: string): Promise<boolean>;
  /** Forgets a pending claim whose lease ended before `now`; true when it did. */
  releaseLapsed(scope: KeyScope, now: string): Promise<boolean>;
  /** Keeps the answer of `owner`'s pending claim; false, keeping nothing, when the claim is no longer its. */
  complete(scope: KeyScope, owner: string, response: KeptResponse): Promise<boolean>;
  /** Forgets `owner`'s pending claim; nothing when the key is answered, gone or another's. */
  release(scope: KeyScope, owner: string): Promise<void>;
  /** Forgets every key that expired before `now`. */
  purgeExpired(now: string): Promise<void>;
}
