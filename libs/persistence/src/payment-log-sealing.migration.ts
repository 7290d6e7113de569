import type { MigrationInterface, QueryRunner } from 'typeorm';
import { paymentLogRecordFunction } from './payment-log.migration';

/**
 * The payment log is chained after commit, in batches, by one sealer per database (see docs/decisions.md
 * "Payment log"), instead of inside every writer's commit:
 *
 * - The source triggers (still deferred to commit, still in the writer's transaction, so no fact is written
 *   without its entry and a rolled-back fact leaves none) append the entry to `payment_log_pending`: one insert,
 *   no lock. Chaining at commit locked the one-row chain head from the trigger to the end of the WAL flush, which
 *   serialised the commits of the database and cost about 0.5 ms of PostgreSQL CPU per entry (measured: 1,100 to
 *   1,200 inbox+outbox transactions/s with the chained trigger against 1,900 to 2,900 without).
 * - `payment_log_seal(limit)` moves the oldest pending entries into `payment_log` in id order, chaining each
 *   exactly as before (hash_n = sha256(hash_{n-1} \n seq \n kind \n body)), and moves the head once per batch.
 *   It takes the head with SKIP LOCKED, so two sealers never interleave and a second one returns 0 at once.
 *   It runs as the owner (SECURITY DEFINER): the service's role may append pending entries but never change or
 *   remove them, and only the sealer's transaction may delete them (shop.payment_log_sealing).
 * - The chain's order is seal order: an entry committed later than a sealed one with a higher id is sealed in
 *   the next batch. Until sealed (a fraction of a second while a service runs) an entry is already durable but
 *   not yet covered by the chain.
 *
 * payment_log_append stays for the down migration; nothing calls it any more.
 */
export class SealPaymentLogAfterCommit1764210000000 implements MigrationInterface {
  name = 'SealPaymentLogAfterCommit1764210000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "payment_log_pending" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "occurred_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "kind" varchar(40) NOT NULL,
        "body" text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE FUNCTION payment_log_pending_guard() RETURNS trigger AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('shop.payment_log_sealing', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'payment_log_pending is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$ LANGUAGE plpgsql`);
    await queryRunner.query(`
      CREATE TRIGGER payment_log_pending_append_only BEFORE UPDATE OR DELETE ON payment_log_pending
        FOR EACH ROW EXECUTE FUNCTION payment_log_pending_guard()`);
    await queryRunner.query(`
      CREATE TRIGGER payment_log_pending_no_truncate BEFORE TRUNCATE ON payment_log_pending
        FOR EACH STATEMENT EXECUTE FUNCTION payment_log_pending_guard()`);
    await queryRunner.query(paymentLogRecordFunction('INSERT INTO payment_log_pending (kind, body) VALUES ($1, $2)'));
    await queryRunner.query(`
      CREATE FUNCTION payment_log_seal(p_limit integer) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        head payment_log_head%ROWTYPE;
        entry record;
        next_seq bigint;
        prev char(64);
        next_hash char(64);
        sealed integer := 0;
      BEGIN
        SELECT * INTO head FROM payment_log_head FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
          RETURN 0; -- another sealer holds the head; it carries on from where this one would have
        END IF;
        PERFORM set_config('shop.payment_log_sealing', 'on', true);
        next_seq := head.seq;
        prev := head.hash;
        FOR entry IN
          WITH taken AS (
            DELETE FROM payment_log_pending
            WHERE id IN (SELECT id FROM payment_log_pending ORDER BY id LIMIT p_limit)
            RETURNING id, occurred_at, kind, body
          )
          SELECT * FROM taken ORDER BY id
        LOOP
          next_seq := next_seq + 1;
          next_hash := encode(sha256(convert_to(prev || E'\\n' || next_seq::text || E'\\n' || entry.kind
            || E'\\n' || entry.body, 'UTF8')), 'hex');
          INSERT INTO payment_log (seq, occurred_at, kind, body, prev_hash, hash)
            VALUES (next_seq, entry.occurred_at, entry.kind, entry.body, prev, next_hash);
          prev := next_hash;
          sealed := sealed + 1;
        END LOOP;
        PERFORM set_config('shop.payment_log_sealing', 'off', true);
        IF sealed > 0 THEN
          UPDATE payment_log_head SET seq = next_seq, hash = prev;
        END IF;
        RETURN sealed;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Nothing written is lost: whatever is pending is chained first, then the triggers chain at commit again.
    for (;;) {
      const [{ n }] = (await queryRunner.query(`SELECT payment_log_seal(10000) AS n`)) as { n: number }[];
      if (n === 0) break;
    }
    await queryRunner.query(paymentLogRecordFunction('PERFORM payment_log_append($1, $2)'));
    await queryRunner.query(`DROP FUNCTION payment_log_seal(integer)`);
    await queryRunner.query(`DROP TABLE "payment_log_pending"`);
    await queryRunner.query(`DROP FUNCTION payment_log_pending_guard()`);
  }
}
