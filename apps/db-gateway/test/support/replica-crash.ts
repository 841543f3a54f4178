const post = (base: string, path: string, body?: unknown) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

export interface CrashLoss {
  acknowledged: number;
  /** Acknowledged writes the recovered database lacks, with how long before the loss each was acknowledged. */
  missing: { id: number; msBeforeLoss: number }[];
  recoveredRows: number;
  /** Ids in the recovered database that were never written. */
  unknown: number[];
  integrity: unknown;
}

/**
 * What a crash loses with continuous replicas: four writers insert into `database` on the gateway at
 * `lost` for `writeMs`, then `loseMachine` kills it (and whatever runs Litestream) at one instant;
 * then `recover` (a gateway on an empty data directory with the same replica) brings the database
 * back from the replica, and the acknowledged writes it lacks are counted.
 */
export async function measureCrashLoss(
  database: string,
  lost: string,
  loseMachine: () => Promise<void>,
  recover: () => Promise<string>,
  writeMs = 4_000,
): Promise<CrashLoss & { lostAt: number }> {
  if ((await post(lost, `/admin/databases/spawn/${database}`)).status !== 201) throw new Error(`spawn of ${database} failed`);
  if ((await post(lost, `/api/db/${database}/query`, { sql: 'CREATE TABLE orders (id INTEGER PRIMARY KEY, writer INTEGER, at TEXT)' })).status !== 200) throw new Error('create table failed');
  const acknowledged = new Map<number, number>(); // id → when its 200 came back
  let stop = false;
  let next = 1;
  const writer = async (w: number) => {
    while (!stop) {
      const id = next++;
      const response = await post(lost, `/api/db/${database}/query`, { sql: 'INSERT INTO orders (id, writer, at) VALUES (?, ?, ?)', params: [id, w, new Date().toISOString()] }).catch(() => undefined);
      if (response?.status === 200) acknowledged.set(id, Date.now());
    }
  };
  const writers = [1, 2, 3, 4].map(writer);
  await new Promise((wait) => setTimeout(wait, writeMs));
  const lostAt = Date.now();
  await loseMachine();
  stop = true;
  await Promise.all(writers);

  const base = await recover();
  const recovered = await post(base, `/admin/databases/${database}/recover`);
  if (recovered.status !== 201) throw new Error(`recover answered ${recovered.status}: ${await recovered.text()}`);
  const integrity = ((await (await post(base, `/api/db/${database}/query`, { sql: 'PRAGMA integrity_check' })).json()) as { data: unknown }).data;
  const rows = ((await (await post(base, `/api/db/${database}/query`, { sql: 'SELECT id FROM orders LIMIT 100000' })).json()) as { data: { id: number }[] }).data;
  const present = new Set(rows.map((row) => row.id));
  return {
    lostAt,
    acknowledged: acknowledged.size,
    missing: [...acknowledged].filter(([id]) => !present.has(id)).map(([id, at]) => ({ id, msBeforeLoss: lostAt - at })),
    recoveredRows: rows.length,
    unknown: [...present].filter((id) => id >= next),
    integrity,
  };
}

/** The line a crash test prints. */
export function describeLoss(where: string, loss: CrashLoss, syncIntervalMs: number): string {
  const window = loss.missing.length > 0 ? Math.max(...loss.missing.map(({ msBeforeLoss }) => msBeforeLoss)) : 0;
  return (
    `Replica loss on a crash (${where}): ${loss.acknowledged} writes acknowledged by 4 writers, ${loss.missing.length} missing after recovery ` +
    `(the last ${window} ms before the loss; sync interval ${syncIntervalMs} ms); ${loss.recoveredRows} rows recovered, integrity ${JSON.stringify(loss.integrity)}.`
  );
}
