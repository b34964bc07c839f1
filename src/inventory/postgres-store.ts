// The inventory of a cluster: VNF packages and VNF instances as JSON documents in PostgreSQL,
// shared by every gateway and worker. Each record is validated against its schema when read,
// as the file store does; a change to an instance (recordInstantiation…) reads and writes its
// row in one transaction, the row locked, so it cannot undo a concurrent change of the same row.
import type { PoolClient } from 'pg';
import type { z } from 'zod';
import { describeZodError } from '../http/problem.ts';
import type { Database } from '../persistence/postgres.ts';
import { InstanceRecordingStore, VnfInstanceRecord, VnfPkgInfoRecord, type InventoryStore, type VnfPackageRecord } from './store.ts';

export class PostgresInventoryStore extends InstanceRecordingStore implements InventoryStore {
  constructor(private readonly db: Database) {
    super();
  }

  async packages(): Promise<VnfPackageRecord[]> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM vnf_packages WHERE vnfd_id IS NOT NULL ORDER BY id');
    return rows.rows.map((row) => parse(VnfPkgInfoRecord, row.record, 'VNF package') as VnfPackageRecord);
  }

  async packageInfos(): Promise<VnfPkgInfoRecord[]> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM vnf_packages ORDER BY id');
    return rows.rows.map((row) => parse(VnfPkgInfoRecord, row.record, 'VNF package'));
  }

  async packageInfo(id: string): Promise<VnfPkgInfoRecord | undefined> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM vnf_packages WHERE id = $1', [id]);
    return rows.rows[0] && parse(VnfPkgInfoRecord, rows.rows[0].record, 'VNF package');
  }

  async packageByVnfdId(vnfdId: string): Promise<VnfPackageRecord | undefined> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM vnf_packages WHERE vnfd_id = $1 ORDER BY id LIMIT 1', [vnfdId]);
    return rows.rows[0] && (parse(VnfPkgInfoRecord, rows.rows[0].record, 'VNF package') as VnfPackageRecord);
  }

  async putPackage(record: VnfPkgInfoRecord): Promise<void> {
    const valid = VnfPkgInfoRecord.parse(record);
    await this.db.query(
      'INSERT INTO vnf_packages (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record',
      [valid.id, JSON.stringify(valid)],
    );
  }

  async deletePackage(id: string): Promise<void> {
    await this.db.query('DELETE FROM vnf_packages WHERE id = $1', [id]);
  }

  async instance(id: string): Promise<VnfInstanceRecord | undefined> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM vnf_instances WHERE id = $1', [id]);
    return rows.rows[0] && parse(VnfInstanceRecord, rows.rows[0].record, 'VNF instance');
  }

  async instances(): Promise<VnfInstanceRecord[]> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM vnf_instances ORDER BY id');
    return rows.rows.map((row) => parse(VnfInstanceRecord, row.record, 'VNF instance'));
  }

  async instanceIdsOfVnfd(vnfdId: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>('SELECT id FROM vnf_instances WHERE vnfd_id = $1 ORDER BY id', [vnfdId]);
    return rows.rows.map((row) => row.id);
  }

  async putInstance(record: VnfInstanceRecord): Promise<void> {
    await writeInstance(this.db, VnfInstanceRecord.parse(record));
  }

  async deleteInstance(instanceId: string): Promise<void> {
    await this.db.query('DELETE FROM vnf_instances WHERE id = $1', [instanceId]);
  }









  protected override async changeInstance(instanceId: string, change: (instance: VnfInstanceRecord) => void): Promise<void> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const rows = await client.query<{ record: Record<string, unknown> }>('SELECT record FROM vnf_instances WHERE id = $1 FOR UPDATE', [instanceId]);
      const stored = rows.rows[0]?.record;
      if (!stored) throw new Error(`no VNF instance ${instanceId}`);
      const instance = parse(VnfInstanceRecord, stored, 'VNF instance');
      change(instance);
      await writeInstance(client, keepUnknownFields(stored, VnfInstanceRecord.parse(instance)));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/**
 * The changed record over the stored document: fields this code's schema does not know (written
 * by a newer gateway during a rolling upgrade) survive the change; known fields are as changed,
 * and those the change removed (an instance's stack at termination) are removed.
 */
function keepUnknownFields(stored: Record<string, unknown>, changed: VnfInstanceRecord): VnfInstanceRecord {
  const document: Record<string, unknown> = { ...stored, ...changed };
  for (const key of Object.keys(VnfInstanceRecord.shape)) {
    if ((changed as Record<string, unknown>)[key] === undefined) delete document[key];
  }
  return document as VnfInstanceRecord;
}

function writeInstance(db: Database | PoolClient, record: VnfInstanceRecord): Promise<unknown> {
  return db.query(
    'INSERT INTO vnf_instances (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record',
    [record.id, JSON.stringify(record)],
  );
}

/** A row that does not hold what its schema says: the message names the table's kind of record. */
function parse<S extends z.ZodType>(schema: S, record: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(record);
  if (!parsed.success) throw new Error(`a ${what} record in PostgreSQL is not valid: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
