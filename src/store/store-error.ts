/** The store cannot be opened or brought up to date: a message for the operator, whichever implementation. */
export class StoreError extends Error {
  override readonly name = "StoreError";
}
