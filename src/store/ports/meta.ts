/** Facts about the store itself, one value per key (such as when the first start registered `local`). */
export interface MetaStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /**
   * Sets the key only when it has no value yet; true when this call set it. Replicas starting at once over one
   * store must not all do a first-start step.
   */
  setIfAbsent(key: string, value: string): Promise<boolean>;
}
