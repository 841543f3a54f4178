import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DomainError } from '../common/domain.error';
import { CatalogEntry } from './catalog-entry';
import { CatalogRepository } from './catalog.repository';

/**
 * The list of databases and their state. Held in memory for the data plane's per-request check
 * (synchronous, so a check and the pool lease that follows it cannot be split by a prune), and
 * written through to the repository before any change is acknowledged.
 */
@Injectable()
export class CatalogService implements OnModuleInit, OnApplicationShutdown {
  private readonly entries = new Map<string, CatalogEntry>();
  private open = false;

  constructor(private readonly repository: CatalogRepository) {}

  async onModuleInit(): Promise<void> {
    for (const entry of await this.repository.open()) this.entries.set(entry.name, entry);
    this.open = true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.open = false;
    await this.repository.close();
  }

  get isOpen(): boolean {
    return this.open;
  }

  find(name: string): CatalogEntry | undefined {
    return this.entries.get(name);
  }

  /**
   * A database whose name differs from `name` only in case. Names are unique regardless of case (on
   * a case-insensitive filesystem two such names would be one directory); each keeps its spelling
   * and is addressed by it exactly.
   */
  findOtherSpelling(name: string): CatalogEntry | undefined {
    const folded = name.toLowerCase();
    for (const entry of this.entries.values()) if (entry.name !== name && entry.name.toLowerCase() === folded) return entry;
    return undefined;
  }

  /** The entry of an active database, or `DATABASE_NOT_FOUND` (404 `Database not found.`). */
  requireActive(name: string): CatalogEntry {
    const entry = this.entries.get(name);
    if (!entry || entry.status !== 'active') throw DomainError.databaseNotFound();
    return entry;
  }

  listActive(): CatalogEntry[] {
    return [...this.entries.values()].filter((entry) => entry.status === 'active');
  }

  /** Records `entry`; the in-memory view changes first (so new requests see it at once) and is restored if the write fails. */
  async save(entry: CatalogEntry): Promise<void> {
    const previous = this.entries.get(entry.name);
    this.entries.set(entry.name, entry);
    try {
      await this.repository.save(entry);
    } catch (error) {
      if (previous) this.entries.set(entry.name, previous);
      else this.entries.delete(entry.name);
      throw error;
    }
  }

  /** Forgets `name` (safe delete moved its data to the trash); in memory first, restored if the write fails. */
  async remove(name: string): Promise<void> {
    const previous = this.entries.get(name);
    this.entries.delete(name);
    try {
      await this.repository.remove(name);
    } catch (error) {
      if (previous) this.entries.set(name, previous);
      throw error;
    }
  }
}
