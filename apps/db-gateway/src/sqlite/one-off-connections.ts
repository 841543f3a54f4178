import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';
import { OpenOptions, SqliteConnection, SqliteDriver } from './sqlite.port';

/**
 * Connections outside any pool, opened for one piece of work and closed after it: copies, dumps,
 * validation of uploads, the figures of a pruned database. Read-only, with the configured busy
 * timeout and synchronous mode, unless the caller says otherwise.
 */
@Injectable()
export class OneOffConnections {
  constructor(
    private readonly driver: SqliteDriver,
    private readonly config: GatewayConfig,
  ) {}

  /** The caller closes the connection. */
  open(file: string, options: Partial<OpenOptions> = {}): Promise<SqliteConnection> {
    return this.driver.open(file, { readOnly: true, busyTimeoutMs: this.config.busyTimeoutMs, synchronous: this.config.synchronous, ...options });
  }

  /** Runs `work` on a connection to `file` that is closed afterwards, whatever happens. */
  async use<T>(file: string, options: Partial<OpenOptions>, work: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    const connection = await this.open(file, options);
    try {
      return await work(connection);
    } finally {
      await connection.close();
    }
  }
}
