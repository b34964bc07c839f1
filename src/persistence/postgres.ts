// The connection pool to the VNFM's PostgreSQL, with the schema brought up to date before it is
// handed out. A restart of PostgreSQL ends the pool's idle connections: the pool reports that as
// an 'error' event (logged, not fatal) and opens new ones for the next query; a query in flight
// fails, and its caller (an activity retried by Temporal, an API request answered 503) retries.
import pg from 'pg';
import { migrate } from './migrations.ts';

export type Database = pg.Pool;

export interface DatabaseOptions {
  poolSize?: number;
  log?: (line: string) => void;
}

export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  const log = options.log ?? ((line: string) => console.warn(line));
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // A query never waits forever for a connection or on a server that went away.
    connectionTimeoutMillis: 10_000,
    query_timeout: 60_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  pool.on('error', (err) => log(`PostgreSQL connection lost (a new one is opened for the next query): ${err.message}`));
  try {
    const applied = await migrate(pool);
    if (applied.length) log(`PostgreSQL schema migrated: ${applied.join(', ')}`);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

/** Errors that mean "PostgreSQL is not reachable now", as opposed to a refused query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return err instanceof Error && /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(err.message);
  // ECONNREFUSED/ECONNRESET from the socket; 57P01-57P03 admin shutdown, crash shutdown, cannot connect now; 08xxx connection exceptions.
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03'].includes(code) || code.startsWith('08');
}
