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
  /**
   * The most rows it can yield, when the bytecode proves one: a program without loops runs each
   * instruction at most once, so it yields at most one row per ResultRow (a point lookup: 1).
   * Undefined for anything that loops or calls subroutines.
   */
  rowBound?: number;
}

export interface Instruction {
  addr?: number;
  opcode: string;
  p2: number;
}

/** Opcodes whose statements must run on the writer even when they write no page. */
const STATEFUL_OPCODES = new Set(['JournalMode', 'Vacuum', 'Checkpoint', 'Expire', 'VDestroy', 'VCreate']);

/** Opcodes whose P2 is a jump target. In a program of these and LINEAR_OPCODES, every jump goes forward. */
const FORWARD_JUMP_OPCODES = new Set([
  'Init', 'IsNull', 'NotNull', 'SeekRowid', 'NotExists', 'SeekGE', 'SeekGT', 'SeekLE', 'SeekLT', 'IdxGT', 'IdxGE', 'IdxLT', 'IdxLE',
  'If', 'IfNot', 'Eq', 'Ne', 'Lt', 'Le', 'Gt', 'Ge', 'MustBeInt',
]);
/** Opcodes that never jump. */
const LINEAR_OPCODES = new Set([
  'OpenRead', 'ReopenIdx', 'Variable', 'Rowid', 'IdxRowid', 'DeferredSeek', 'Column', 'ResultRow', 'Halt', 'Transaction', 'TableLock',
  'Integer', 'Int64', 'Real', 'String8', 'String', 'Blob', 'Null', 'Affinity', 'RealAffinity', 'Cast', 'Copy', 'SCopy', 'IntCopy',
  'Function', 'PureFunc', 'Add', 'Subtract', 'Multiply', 'Divide', 'Remainder', 'Concat', 'Not', 'BitAnd', 'BitOr', 'BitNot',
  'ShiftLeft', 'ShiftRight', 'And', 'Or', 'ColumnsUsed', 'Explain', 'Noop',
]);

/**
 * At most how many rows `program` yields, if it cannot loop: only known opcodes, every jump forward,
 * and the one backward `Goto` SQLite ends each program with (from the prologue back to the start,
 * taken once). Anything else (Next, Rewind, subroutines, coroutines, unknown opcodes) gives no bound.
 */
function rowBoundOf(program: Instruction[]): number | undefined {
  let rows = 0;
  for (const [index, { opcode, p2, addr = index }] of program.entries()) {
    if (opcode === 'Goto' && index === program.length - 1) continue;
    if (FORWARD_JUMP_OPCODES.has(opcode)) {
      if (p2 <= addr && p2 !== 0) return undefined;
    } else if (!LINEAR_OPCODES.has(opcode)) return undefined;
    if (opcode === 'ResultRow') rows++;
  }
  return rows;
}

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
    rowBound: returnsRows ? rowBoundOf(program) : undefined,
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
