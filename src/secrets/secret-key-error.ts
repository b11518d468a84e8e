/** A key portcall needs is missing, malformed or exposed; the message says which and how to fix it. */
export class SecretKeyError extends Error {
  override readonly name = "SecretKeyError";
}
