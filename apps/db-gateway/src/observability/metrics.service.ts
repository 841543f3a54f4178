import { Injectable, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ErrorCode } from '@dbforge/contracts';
import { ErrorEvents } from '../common/error-events';
import { GatewayConfig } from '../config/gateway.config';
import { ConnectionPoolService } from '../data-plane/pool/connection-pool.service';
import { SqlWorkEvent, SqlWorkEvents } from '../data-plane/sql-work.events';
import { ContainerRuntime } from '../orchestrator/runtime/container-runtime.port';
import { ReplicationService } from '../replication/replication.service';

const OTHER_DATABASES = '_other';

/**
 * Prometheus metrics. Label cardinality stays bounded: routes are route patterns (never raw paths),
 * status and error codes are finite, and only the first DBFORGE_METRICS_MAX_DATABASES databases seen
 * get a `database` label of their own; every later one is counted under `_other`.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly labelledDatabases = new Set<string>();

  private readonly httpRequests = new Counter({
    name: 'dbforge_http_requests_total',
    help: 'HTTP requests by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'dbforge_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly statements = new Counter({
    name: 'dbforge_statements_total',
    help: 'SQL work done per database, by kind and outcome',
    labelNames: ['database', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly statementDuration = new Histogram({
    name: 'dbforge_statement_duration_seconds',
    help: 'Time spent in SQLite per request, per database and kind',
    labelNames: ['database', 'kind'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    registers: [this.registry],
  });

  private readonly rowsRead = new Counter({ name: 'dbforge_rows_read_total', help: 'Rows returned', labelNames: ['database'] as const, registers: [this.registry] });
  private readonly rowsWritten = new Counter({ name: 'dbforge_rows_written_total', help: 'Rows inserted, updated or deleted', labelNames: ['database'] as const, registers: [this.registry] });
  private readonly errors = new Counter({ name: 'dbforge_errors_total', help: 'Error responses by error code', labelNames: ['code'] as const, registers: [this.registry] });

  constructor(
    private readonly config: GatewayConfig,
    private readonly events: SqlWorkEvents,
    private readonly errorEvents: ErrorEvents,
    private readonly pools: ConnectionPoolService,
    private readonly runtime: ContainerRuntime,
    private readonly replication: ReplicationService,
  ) {
    const { pools: poolService, runtime: workers } = this;
    if (replication.enabled) this.replicationGauges();
    new Gauge({ name: 'dbforge_open_pools', help: 'Databases with an open connection pool', registers: [this.registry], collect() { this.set(poolService.openCount); } });
    new Gauge({ name: 'dbforge_writer_queue_depth', help: 'Writes waiting or running, all databases', registers: [this.registry], collect() { this.set(poolService.writeQueueDepth); } });
    new Gauge({
      name: 'dbforge_workers',
      help: 'Workers by state, as the container runtime reports them',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          const states = new Map<string, number>();
          for (const worker of await workers.list()) states.set(worker.state, (states.get(worker.state) ?? 0) + 1);
          for (const [state, count] of states) this.set({ state }, count);
        } catch {
          this.set({ state: 'unknown' }, 1);
        }
      },
    });
  }

  /** Litestream up or not, and each replicated database's lag (databases past the label cap summed as their largest lag). */
  private replicationGauges(): void {
    const { replication } = this;
    const label = (name: string) => this.databaseLabel(name);
    new Gauge({ name: 'dbforge_replication_up', help: 'Litestream is running (1) while databases replicate', registers: [this.registry], collect() { this.set(replication.replicating.running ? 1 : 0); } });
    new Gauge({
      name: 'dbforge_replication_lag_seconds',
      help: 'How long the newest write of a database has waited to be shipped to its replica',
      labelNames: ['database'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const worst = new Map<string, number>();
        for (const { name, lag_ms } of replication.replicating.lags) {
          const database = label(name);
          worst.set(database, Math.max(worst.get(database) ?? 0, lag_ms / 1000));
        }
        for (const [database, seconds] of worst) this.set({ database }, seconds);
      },
    });
  }

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'dbforge_' });
    this.events.subscribe((event) => this.recordStatement(event));
    this.errorEvents.subscribe((code) => this.recordError(code));
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  private recordError(code: ErrorCode): void {
    this.errors.inc({ code });
  }

  private recordStatement(event: SqlWorkEvent): void {
    const database = this.databaseLabel(event.database);
    this.statements.inc({ database, kind: event.kind, outcome: event.failed ? 'error' : 'ok' });
    this.statementDuration.observe({ database, kind: event.kind }, event.durationMs / 1000);
    if (event.rowsRead > 0) this.rowsRead.inc({ database }, event.rowsRead);
    if (event.rowsWritten > 0) this.rowsWritten.inc({ database }, event.rowsWritten);
  }

  private databaseLabel(name: string): string {
    if (this.labelledDatabases.has(name)) return name;
    if (this.labelledDatabases.size >= this.config.metricsMaxDatabases) return OTHER_DATABASES;
    this.labelledDatabases.add(name);
    return name;
  }
}
