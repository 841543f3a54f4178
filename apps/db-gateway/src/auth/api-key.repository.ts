import { ApiKeyRecord } from './api-key-record';

/** Durable storage of database keys (port). */
export abstract class ApiKeyRepository {
  abstract open(): Promise<ApiKeyRecord[]>;
  abstract insert(record: ApiKeyRecord): Promise<void>;
  abstract delete(id: string): Promise<void>;
  abstract close(): Promise<void>;
}
