import type pg from "pg";

/**
 * One query on a pool connection chosen here rather than by `pool.query`, for a caller that must know which
 * connection answered (which tables it reads: ./token-changes.ts). Released as `pool.query` releases it: a
 * connection whose query failed is dropped, not given to the next caller.
 */
export async function queryOnConnection<R extends pg.QueryResultRow, V extends unknown[]>(
  pool: pg.Pool,
  query: pg.QueryConfig<V>,
): Promise<{ rows: R[]; connection: pg.PoolClient }> {
  const connection = await pool.connect();
  try {
    const { rows } = await connection.query<R, V>(query);
    connection.release();
    return { rows, connection };
  } catch (error) {
    connection.release(error instanceof Error ? error : true);
    throw error;
  }
}
