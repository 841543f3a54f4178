import { ApiKeyRecord } from './api-key-record';

/** Durable storage of database keys (port). */
export abstract class ApiKeyRepository {
  abstract open(): Promise<ApiKeyRecord[]>;
  abstract insert(record: ApiKeyRecord): Promise<void>;
  abstract delete(id: string): Promise<void>;
  /** Records the database identity of a key stored before keys carried one (`databaseId` empty). */
  abstract adopt(id: string, databaseId: string): Promise<void>;
  abstract close(): Promise<void>;
}
