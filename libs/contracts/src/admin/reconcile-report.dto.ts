export class ReconcileIssueDto {
  /**
   * @example agent_memory_db
   */
  database!: string;

  /**
   * @example Docker engine could not start the worker of 'agent_memory_db': No such image: db-worker-base:latest
   */
  reason!: string;
}

/** What one reconciliation pass found and did. */
export class ReconcileReportDto {
  /** Active databases whose worker was already running. */
  running!: string[];

  /** Workers found running under our labels and taken into the catalog (their data directory existed). */
  adopted!: string[];

  /** Active databases whose stopped worker was started again. */
  restarted!: string[];

  /** Active databases whose missing worker was created again. */
  recreated!: string[];

  /** Labelled workers with no active database; reported, never deleted, and no data is touched. */
  orphans!: string[];

  /** Databases that could not be repaired, with the reason. */
  failed!: ReconcileIssueDto[];
}
