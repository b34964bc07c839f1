// The subscriptions of a cluster, as JSON documents in PostgreSQL: written by any gateway, read
// by every worker's deliveries. The subscriber credentials are in the record, as in the file
// store: readable only to the database's own users, never returned by the API.
import { describeZodError } from '../http/problem.ts';
import type { Database } from '../persistence/postgres.ts';
import { findDuplicateIn, SubscriptionRecord, type DuplicateCandidate, type SubscriptionStore } from './store.ts';

export class PostgresSubscriptionStore implements SubscriptionStore {
  constructor(private readonly db: Database) {}

  async list(): Promise<SubscriptionRecord[]> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM lccn_subscriptions ORDER BY created_at, id');
    return rows.rows.map((row) => parse(row.record));
  }

  async get(id: string): Promise<SubscriptionRecord | undefined> {
    const rows = await this.db.query<{ record: unknown }>('SELECT record FROM lccn_subscriptions WHERE id = $1', [id]);
    return rows.rows[0] && parse(rows.rows[0].record);
  }

  async put(record: SubscriptionRecord): Promise<void> {
    const valid = SubscriptionRecord.parse(record);
    await this.db.query(
      'INSERT INTO lccn_subscriptions (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record',
      [valid.id, JSON.stringify(valid)],
    );
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.query('DELETE FROM lccn_subscriptions WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }

  async findDuplicate(candidate: DuplicateCandidate): Promise<SubscriptionRecord | undefined> {
    const rows = await this.db.query<{ record: unknown }>(
      'SELECT record FROM lccn_subscriptions WHERE record->>\'callbackUri\' = $1 ORDER BY created_at, id', [candidate.callbackUri],
    );
    return findDuplicateIn(rows.rows.map((row) => parse(row.record)), candidate);
  }
}

function parse(record: unknown): SubscriptionRecord {
  const parsed = SubscriptionRecord.safeParse(record);
  if (!parsed.success) throw new Error(`a subscription record in PostgreSQL is not valid: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
