// The VNFM's PostgreSQL schema, versioned: an ordered list of migrations kept in the code and a
// table (vnfm_schema_migrations) of those applied. Every process that opens the database brings
// it up to date before it serves, under an advisory lock, so gateways and workers starting
// together apply each migration once; each migration runs in its own transaction (PostgreSQL's
// DDL is transactional), so a crash leaves it applied whole or not at all.
//
// Why not a migration tool: the schema is three tables of JSON documents, migrated by the
// processes themselves at start (no separate step to forget in a deployment), with the SQL in
// the code (no files to locate at run time); this is the part of such a tool we need, tested in
// test/cluster/postgres-stores.test.ts. Rules it enforces: an applied migration may not change
// (its checksum is compared), and versions are applied in order with no gaps. A database newer
// than the code (a rolling upgrade, new code elsewhere first) is used as it is: migrations only
// add, so older code keeps working on a newer schema.
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Records are JSON documents (`record jsonb`) keyed by id; columns exist only for what is
 * queried, generated from the document itself so they can never disagree with it. A field a
 * record gains (a new attribute of a VNF instance) needs no migration.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'VNF packages, package contents, VNF instances and subscriptions as JSON documents',
    sql: `
      CREATE TABLE vnf_packages (
        id text PRIMARY KEY,
        record jsonb NOT NULL,
        vnfd_id text GENERATED ALWAYS AS (record->'vnfd'->>'vnfdId') STORED
      );
      CREATE INDEX vnf_packages_vnfd_id ON vnf_packages (vnfd_id);

      CREATE TABLE vnf_package_contents (
        package_id text PRIMARY KEY,
        sha256 text NOT NULL,
        size bigint NOT NULL,
        archive bytea NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE vnf_instances (
        id text PRIMARY KEY,
        record jsonb NOT NULL,
        vnfd_id text GENERATED ALWAYS AS (record->>'vnfdId') STORED
      );
      CREATE INDEX vnf_instances_vnfd_id ON vnf_instances (vnfd_id);

      CREATE TABLE lccn_subscriptions (
        id text PRIMARY KEY,
        record jsonb NOT NULL,
        created_at text GENERATED ALWAYS AS (record->>'createdAt') STORED
      );
    `,
  },
];

/** Any constant shared by every VNFM process: the key of the lock migrations run under. */
const MIGRATION_LOCK = 0x766e666d; // 'vnfm'

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export function checksumOf(migration: Migration): string {
  return createHash('sha256').update(migration.sql.trim()).digest('hex');
}

/** Applies the pending migrations; returns the versions applied now (empty when up to date). */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  checkOrder(migrations);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function applyPending(client: PoolClient, migrations: readonly Migration[]): Promise<number[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS vnfm_schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied = new Map<number, string>();
  const rows = await client.query<{ version: number; checksum: string }>('SELECT version, checksum FROM vnfm_schema_migrations');
  for (const row of rows.rows) applied.set(row.version, row.checksum);
  const done: number[] = [];
  for (const migration of migrations) {
    const checksum = checksumOf(migration);
    const recorded = applied.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== checksum) throw new MigrationError(`migration ${migration.version} (${migration.name}) was applied with other SQL than this code has: a migration may not change once released`);
      continue;
    }
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      await client.query('INSERT INTO vnfm_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, checksum]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw new MigrationError(`migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`);
    }
    done.push(migration.version);
  }
  return done;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new MigrationError(`migration versions must run 1, 2, 3…: found ${migration.version} at position ${index + 1}`);
  });
}
