/**
 * Records keyed by names that came from outside (groups, queue ids, receipts).
 * `record[name] = v` with name `__proto__` replaces the record's prototype
 * instead of adding a key, and `record["constructor"]` finds Object's own
 * member: both turn a hostile name into another value. Building with
 * `Object.fromEntries` defines own properties only, and reads go through
 * `ownValue`, so every name is just data, across JSON and structured clone.
 */

/** `record[key]` when the record itself holds `key`, else undefined (never an inherited member). */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
