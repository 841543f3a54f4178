import { CatalogEntry } from './catalog-entry';

/** Durable storage of the catalog (port). */
export abstract class CatalogRepository {
  abstract open(): Promise<CatalogEntry[]>;
  abstract save(entry: CatalogEntry): Promise<void>;
  abstract close(): Promise<void>;
  /** Forgets a database (its data went to the trash). */
  abstract remove(name: string): Promise<void>;
}
