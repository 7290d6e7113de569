import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The double-entry journal: accounts, journal transactions (one per business event) and their entries.
 *
 * Decisions:
 * - An account is identified by its code alone; the currency lives on each entry, not on the account. One
 *   clearing account then holds CNY and USD alike, and every balance or check is grouped by (account, currency).
 *   Accounts per currency would multiply seed rows per provider and currency for no gain in safety, because the
 *   balance rule below is enforced per currency anyway.
 * - The database, not only the code, refuses an unbalanced journal transaction: a deferred constraint trigger
 *   re-checks the whole transaction at commit, after all its entries are in.
 * - The journal is append-only: corrections are new, reversing transactions, never edits.
 * - order_no sits on the journal transaction (indexed); entries reach it through transaction_id (indexed).
 */
export class CreateJournal1764201800000 implements MigrationInterface {
  name = 'CreateJournal1764201800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "accounts" (
        "code" varchar(100) NOT NULL,
        "type" varchar(10) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_accounts" PRIMARY KEY ("code"),
        CONSTRAINT "ck_accounts_type" CHECK ("type" IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
        CONSTRAINT "ck_accounts_code" CHECK ("code" ~ '^[a-z]+(:[a-z0-9-]+)+$')
      )`);
    await queryRunner.query(`
      CREATE TABLE "journal_transactions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "event_id" uuid NOT NULL,
        "kind" varchar(50) NOT NULL,
        "order_no" varchar(32),
        "description" varchar(500) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_journal_transactions" PRIMARY KEY ("id"),
        CONSTRAINT "uq_journal_transactions_event_id" UNIQUE ("event_id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_journal_transactions_order_no" ON "journal_transactions" ("order_no")`);
    await queryRunner.query(`
      CREATE TABLE "journal_entries" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "transaction_id" uuid NOT NULL,
        "account_code" varchar(100) NOT NULL,
        "side" varchar(6) NOT NULL,
        "amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_journal_entries" PRIMARY KEY ("id"),
        CONSTRAINT "fk_journal_entries_transaction" FOREIGN KEY ("transaction_id") REFERENCES "journal_transactions" ("id"),
        CONSTRAINT "fk_journal_entries_account" FOREIGN KEY ("account_code") REFERENCES "accounts" ("code"),
        CONSTRAINT "ck_journal_entries_side" CHECK ("side" IN ('debit', 'credit')),
        CONSTRAINT "ck_journal_entries_amount" CHECK ("amount" > 0),
        CONSTRAINT "ck_journal_entries_currency" CHECK ("currency" ~ '^[A-Z]{3}$')
      )`);
    await queryRunner.query(`CREATE INDEX "ix_journal_entries_transaction_id" ON "journal_entries" ("transaction_id")`);

    // Runs at commit (deferred), so a transaction's entries may be inserted one by one; a row on either table
    // triggers it, so a header without entries is refused as well as entries that do not balance.
    await queryRunner.query(`
      CREATE FUNCTION "journal_assert_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        tx uuid;
        entry_count integer;
        unbalanced text;
      BEGIN
        -- IF, not CASE: PL/pgSQL plans each branch only when it runs, and each table lacks the other's column.
        IF TG_TABLE_NAME = 'journal_transactions' THEN
          tx := NEW."id";
        ELSE
          tx := NEW."transaction_id";
        END IF;
        SELECT count(*) INTO entry_count FROM "journal_entries" WHERE "transaction_id" = tx;
        IF entry_count < 2 THEN
          RAISE EXCEPTION 'journal transaction % has % entries; at least two are required', tx, entry_count
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_transaction_balanced';
        END IF;
        SELECT string_agg(format('%s debit %s credit %s', "currency", debit, credit), ', ') INTO unbalanced
        FROM (
          SELECT "currency",
                 coalesce(sum("amount") FILTER (WHERE "side" = 'debit'), 0) AS debit,
                 coalesce(sum("amount") FILTER (WHERE "side" = 'credit'), 0) AS credit
          FROM "journal_entries" WHERE "transaction_id" = tx GROUP BY "currency"
        ) AS totals
        WHERE debit <> credit;
        IF unbalanced IS NOT NULL THEN
          RAISE EXCEPTION 'journal transaction % is unbalanced: %', tx, unbalanced
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_transaction_balanced';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER "journal_entries_balanced" AFTER INSERT ON "journal_entries"
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "journal_assert_balanced"()`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER "journal_transactions_balanced" AFTER INSERT ON "journal_transactions"
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "journal_assert_balanced"()`);

    // Append-only: the audit trail must not change under anyone, including an operator with a SQL console.
    await queryRunner.query(`
      CREATE FUNCTION "journal_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused; post a reversing transaction instead', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['journal_transactions', 'journal_entries']) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}"
        FOR EACH ROW EXECUTE FUNCTION "journal_refuse_change"()`);
      await queryRunner.query(`
        CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION "journal_refuse_change"()`);
    }

    // One clearing account per provider: money the provider holds for us until it settles to our bank.
    // Customer payments are owed to the customer (a liability) until the order is fulfilled.
    await queryRunner.query(`
      INSERT INTO "accounts" ("code", "type") VALUES
        ('assets:alipay-clearing', 'asset'),
        ('assets:wechatpay-clearing', 'asset'),
        ('assets:unionpay-clearing', 'asset'),
        ('assets:stripe-clearing', 'asset'),
        ('liabilities:customer-orders', 'liability')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // DROP TABLE fires no row or truncate triggers, so the append-only guard does not stand in the way.
    await queryRunner.query(`DROP TABLE "journal_entries"`);
    await queryRunner.query(`DROP TABLE "journal_transactions"`);
    await queryRunner.query(`DROP TABLE "accounts"`);
    await queryRunner.query(`DROP FUNCTION "journal_refuse_change"()`);
    await queryRunner.query(`DROP FUNCTION "journal_assert_balanced"()`);
  }
}
