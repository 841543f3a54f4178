/** The files SQLite keeps beside a database file while it is open or mid-transaction. */
export function sidecarsOf(file: string): string[] {
  return [`${file}-wal`, `${file}-shm`, `${file}-journal`];
}
