import type { QueryRunner } from 'typeorm';

/** A table whose new rows (and, with onUpdate, changed rows) are recorded in the payment log, and as what. */
export interface PaymentLogSource {
  table: string;
  kind: string;
  onUpdate?: boolean;
  /** Columns left out of the logged row (nothing secret is ever in these tables; large raw data may be). */
  exclude?: string[];
}

/**
 * The trigger function that records a source row: its JSON (less the excluded columns) and its kind, handed to
 * `append`, a statement in which $1 stands for the kind and $2 for the body. Chained at commit
 * (payment_log_append) when the log was created, queued for the sealer since payment-log-sealing.migration.ts.
 */
export function paymentLogRecordFunction(append: string): string {
  const statement = append
    .replace('$1', `TG_ARGV[0] || CASE WHEN TG_OP = 'UPDATE' THEN '.updated' ELSE '' END`)
    .replace('$2', `jsonb_build_object('table', TG_TABLE_NAME, 'at', clock_timestamp(), 'row', row_json)::text`);
  return `
    CREATE OR REPLACE FUNCTION payment_log_record() RETURNS trigger AS $$
    DECLARE
      row_json jsonb := to_jsonb(NEW);
      excluded text;
    BEGIN
      FOREACH excluded IN ARRAY TG_ARGV[1:] LOOP
        row_json := row_json - excluded;
      END LOOP;
      ${statement};
      RETURN NULL;
    END $$ LANGUAGE plpgsql`;
}

/**
 * The hash-chained, append-only payment log of a service database (see docs/decisions.md "Payment log"):
 *
 * - Every source row is recorded by an AFTER trigger in the transaction that writes it, so no code path can write
 *   a fact without its entry, and a rolled-back fact leaves none. The trigger is deferred to commit time: the
 *   chain head is then locked only while the transaction commits, not for the rest of its work.
 * - Entry n carries hash_n = sha256(hash_{n-1} \n seq \n kind \n body), body being the entry's JSON text as
 *   stored; seq and the previous hash come from a one-row chain head locked for the insert, which orders the
 *   chain in commit order of the writers (the lock is held to commit: short transactions, one row).
 * - UPDATE is refused always; DELETE only for entries already in a verified archive, inside the archiver's
 *   transaction (it sets shop.payment_log_archiving), so retention cannot cut an unarchived piece out.
 */
export async function createPaymentLog(queryRunner: QueryRunner, sources: PaymentLogSource[]): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE "payment_log" (
      "seq" bigint PRIMARY KEY,
      "occurred_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
      "kind" varchar(40) NOT NULL,
      "body" text NOT NULL,
      "prev_hash" char(64) NOT NULL,
      "hash" char(64) NOT NULL
    )`);
  await queryRunner.query(`CREATE INDEX "ix_payment_log_occurred_at" ON "payment_log" ("occurred_at")`);
  // The chain head, and the highest seq a verified archive holds (rows up to it may be deleted).
  await queryRunner.query(`
    CREATE TABLE "payment_log_head" (
      "id" boolean PRIMARY KEY DEFAULT true CHECK ("id"),
      "seq" bigint NOT NULL,
      "hash" char(64) NOT NULL,
      "archived_seq" bigint NOT NULL DEFAULT 0
    )`);
  await queryRunner.query(`INSERT INTO "payment_log_head" ("seq", "hash") VALUES (0, repeat('0', 64))`);
  await queryRunner.query(`
    CREATE FUNCTION payment_log_append(p_kind text, p_body text) RETURNS void AS $$
    DECLARE
      head payment_log_head%ROWTYPE;
      next_hash char(64);
    BEGIN
      SELECT * INTO head FROM payment_log_head FOR UPDATE;
      next_hash := encode(sha256(convert_to(head.hash || E'\\n' || (head.seq + 1)::text || E'\\n' || p_kind
        || E'\\n' || p_body, 'UTF8')), 'hex');
      INSERT INTO payment_log (seq, kind, body, prev_hash, hash)
        VALUES (head.seq + 1, p_kind, p_body, head.hash, next_hash);
      UPDATE payment_log_head SET seq = head.seq + 1, hash = next_hash;
    END $$ LANGUAGE plpgsql`);
  await queryRunner.query(paymentLogRecordFunction('PERFORM payment_log_append($1, $2)'));
  await queryRunner.query(`
    CREATE FUNCTION payment_log_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE'
         AND current_setting('shop.payment_log_archiving', true) = 'on'
         AND OLD.seq <= (SELECT archived_seq FROM payment_log_head) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'payment_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$ LANGUAGE plpgsql`);
  await queryRunner.query(`
    CREATE TRIGGER payment_log_append_only BEFORE UPDATE OR DELETE ON payment_log
      FOR EACH ROW EXECUTE FUNCTION payment_log_guard()`);
  await queryRunner.query(`
    CREATE TRIGGER payment_log_no_truncate BEFORE TRUNCATE ON payment_log
      FOR EACH STATEMENT EXECUTE FUNCTION payment_log_guard()`);
  for (const source of sources) {
    const args = [source.kind, ...(source.exclude ?? [])].map((a) => `'${a}'`).join(', ');
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER "payment_log_${source.table}" AFTER INSERT${source.onUpdate ? ' OR UPDATE' : ''}
        ON "${source.table}" DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION payment_log_record(${args})`);
  }
}

export async function dropPaymentLog(queryRunner: QueryRunner, sources: PaymentLogSource[]): Promise<void> {
  for (const source of sources) {
    await queryRunner.query(`DROP TRIGGER "payment_log_${source.table}" ON "${source.table}"`);
  }
  await queryRunner.query(`DROP TABLE "payment_log"`);
  await queryRunner.query(`DROP TABLE "payment_log_head"`);
  await queryRunner.query(`DROP FUNCTION payment_log_record()`);
  await queryRunner.query(`DROP FUNCTION payment_log_append(text, text)`);
  await queryRunner.query(`DROP FUNCTION payment_log_guard()`);
}
