// SQLite has no boolean or JSON column type: flags are INTEGER 0 or 1, and structured values are TEXT.

export type Flag = 0 | 1;

export const toFlag = (value: boolean): Flag => (value ? 1 : 0);

export const fromFlag = (value: number): boolean => value === 1;

export const toJson = (value: unknown): string => JSON.stringify(value);

/** Only for columns this store wrote with `toJson`: their shape is the type's. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}
