/**
 * The answer a key stands for, replayed as it was first given: the operation's result. How a channel presents
 * it (an HTTP status, a `Location`) follows from the result, so it is not kept.
 */
export type KeptResponse = { body: unknown };

/** Whose key, for which operation: the same key from someone else, or for another operation, is another key. */
export type KeyScope = { principal: string; operation: string; key: string };

export type KeyClaim = {
  /** Digest of the request's validated input: the same key with other input is refused. */
  requestHash: string;
  createdAt: string;
  expiresAt: string;
};

export type KeyRecord = {
  requestHash: string;
  /** Null while the request that claimed the key is still being answered. */
  response: KeptResponse | null;
};

/** `Idempotency-Key` claims and the answers they stand for, until they expire. */
export interface IdempotencyStore {
  find(scope: KeyScope): Promise<KeyRecord | undefined>;
  /** Claims the key for a request being answered; false, changing nothing, when the key is claimed already. */
  claim(scope: KeyScope, claim: KeyClaim): Promise<boolean>;
  /** Keeps the answer of the claimed key. */
  complete(scope: KeyScope, response: KeptResponse): Promise<void>;
  /** Forgets the key, claimed or answered. */
  release(scope: KeyScope): Promise<void>;
  /** Forgets every key that expired before `now`. */
  purgeExpired(now: string): Promise<void>;
}
