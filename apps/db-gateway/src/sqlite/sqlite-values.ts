/** A value SQLite hands back: numbers, text, BLOBs or NULL. */
export type SqliteValue = string | number | bigint | Buffer | null;
export type SqliteRow = Record<string, SqliteValue>;
/** Values bound to a statement: positional or by (prefixed) name. */
export type SqliteBindings = unknown[] | Record<string, unknown>;
