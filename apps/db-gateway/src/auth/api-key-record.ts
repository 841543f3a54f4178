import { ApiKeyScope } from '@dbforge/contracts';

/** A database key as stored: its SHA-256, never the key. */
export interface ApiKeyRecord {
  id: string;
  database: string;
  /** The identity of the database it was minted for: a new database of the same name does not accept it. */
  databaseId: string;
  scope: ApiKeyScope;
  name: string | null;
  hash: string;
  createdAt: string;
  expiresAt: string | null;
}
