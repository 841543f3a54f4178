/** What a statement will do, read from the bytecode SQLite compiles it to (`EXPLAIN`), not guessed from its first word. */
export interface StatementPlan {
  /** It produces result rows (SELECT, WITH, PRAGMA table_info, ... RETURNING). */
  returnsRows: boolean;
  /** It neither writes the database nor changes connection state, so a read-only connection may run it. */
  readOnly: boolean;
  /** It changes the schema (DDL, `PRAGMA user_version=`): it reports no changed rows. */
  changesSchema: boolean;
  /** BEGIN / COMMIT / ROLLBACK / SAVEPOINT / RELEASE. */
  controlsTransaction: boolean;
  /** It cannot run inside a transaction (VACUUM), so it is never batched with other writes. */
  outsideTransaction: boolean;
}

export interface Instruction {
  opcode: string;
  p2: number;
}

/** Opcodes whose statements must run on the writer even when they write no page. */
const STATEFUL_OPCODES = new Set(['JournalMode', 'Vacuum', 'Checkpoint', 'Expire', 'VDestroy', 'VCreate']);

export function planFromInstructions(program: Instruction[]): StatementPlan {
  const opcodes = new Set(program.map((instruction) => instruction.opcode));
  const writes = program.some((instruction) => instruction.opcode === 'Transaction' && instruction.p2 !== 0);
  const returnsRows = opcodes.has('ResultRow');
  const controlsTransaction = opcodes.has('AutoCommit') || opcodes.has('Savepoint');
  // PRAGMA reads carry an Expire too; it is only state-changing when the pragma yields no rows.
  const stateful = [...STATEFUL_OPCODES].some((opcode) => opcodes.has(opcode) && !(opcode === 'Expire' && returnsRows));
  return {
    returnsRows,
    readOnly: !writes && !controlsTransaction && !stateful,
    changesSchema: opcodes.has('SetCookie'),
    controlsTransaction,
    outsideTransaction: opcodes.has('Vacuum'),
  };
}

/** `EXPLAIN ...` cannot itself be explained; it only ever reads. */
export const EXPLAIN_STATEMENT_PLAN: StatementPlan = {
  returnsRows: true,
  readOnly: true,
  changesSchema: false,
  controlsTransaction: false,
  outsideTransaction: false,
};
