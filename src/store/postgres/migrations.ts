import { type Kysely, type Migration, sql } from "kysely";
import { backfillTokenChains } from "../kysely-shared/migrations.js";
import { TOKENS_CHANNEL } from "./token-changes.js";

// The same names, in the same order, as SQLite's list (`../sqlite/migrations.ts`), each written for PostgreSQL:
// a store of either kind at one name holds the same tables. Append only, as there.

/** Text compared byte by byte, as SQLite compares it: ids and ISO times sort the same in both stores. */
const text = sql`text collate "C"`;

export const migrations: Record<string, Migration> = {
  "0001_meta_and_hosts": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("meta")
        .addColumn("key", text, (col) => col.primaryKey())
        .addColumn("value", text, (col) => col.notNull())
        .execute();
      await db.schema
        .createTable("hosts")
        .addColumn("id", text, (col) => col.primaryKey())
        .addColumn("name", text, (col) => col.notNull())
        .addColumn("labels", "json", (col) => col.notNull().defaultTo(sql`'{}'`))
        .addColumn("url", text, (col) => col.notNull())
        .addColumn("connection", "json", (col) => col.notNull().defaultTo(sql`'{}'`))
        .addColumn("secrets", text)
        .addColumn("source", text, (col) => col.notNull().check(sql`source in ('api', 'file')`))
        .addColumn("created_at", text, (col) => col.notNull())
        .addColumn("updated_at", text, (col) => col.notNull())
        .addColumn("version", "integer", (col) => col.notNull().defaultTo(1))
        .execute();
    },
  },
  "0002_tokens_and_audit": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("tokens")
        .addColumn("id", text, (col) => col.primaryKey())
        .addColumn("name", text, (col) => col.notNull())
        .addColumn("subject", text, (col) => col.notNull())
        .addColumn("scope", text, (col) => col.notNull())
        .addColumn("hosts", "json", (col) => col.notNull())
        .addColumn("policy", "json", (col) => col.notNull().defaultTo(sql`'{}'`))
        .addColumn("created_by", text, (col) => col.notNull())
        .addColumn("created_at", text, (col) => col.notNull())
        .addColumn("expires_at", text, (col) => col.notNull())
        .addColumn("revoked_at", text)
        .addColumn("last_used_at", text)
        .execute();
      await db.schema
        .createTable("audit")
        .addColumn("id", "bigint", (col) => col.primaryKey().generatedByDefaultAsIdentity())
        .addColumn("time", text, (col) => col.notNull())
        .addColumn("request_id", text, (col) => col.notNull())
        .addColumn("subject", text)
        .addColumn("token_id", text)
        .addColumn("operation_id", text)
        .addColumn("method", text, (col) => col.notNull())
        .addColumn("path", text, (col) => col.notNull())
        .addColumn("host", text)
        .addColumn("target", text)
        .addColumn("status", "integer", (col) => col.notNull())
        .addColumn("outcome", text, (col) => col.notNull())
        .addColumn("reason", text)
        .execute();
      await db.schema.createIndex("audit_time").on("audit").column("time").execute();
      await db.schema.createIndex("audit_host").on("audit").columns(["host", "id"]).execute();
      await db.schema.createIndex("audit_subject").on("audit").columns(["subject", "id"]).execute();
    },
  },
  "0003_registries": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("registries")
        .addColumn("address", text, (col) => col.primaryKey())
        .addColumn("username", text, (col) => col.notNull())
        .addColumn("secret", text, (col) => col.notNull())
        .addColumn("created_at", text, (col) => col.notNull())
        .addColumn("updated_at", text, (col) => col.notNull())
        .execute();
    },
  },
  "0004_runs_and_idempotency": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("runs")
        .addColumn("id", text, (col) => col.primaryKey())
        .addColumn("host", text, (col) => col.notNull())
        .addColumn("container_id", text, (col) => col.notNull())
        .addColumn("image", text, (col) => col.notNull())
        .addColumn("image_digest", text)
        .addColumn("status", text, (col) =>
          col.notNull().check(sql`status in ('running', 'exited', 'cancelled', 'lost')`),
        )
        .addColumn("exit_code", "integer")
        .addColumn("oom_killed", "boolean", (col) => col.notNull().defaultTo(false))
        .addColumn("error", text)
        .addColumn("labels", "json", (col) => col.notNull().defaultTo(sql`'{}'`))
        .addColumn("subject", text, (col) => col.notNull())
        .addColumn("token_id", text, (col) => col.notNull())
        .addColumn("remove", "boolean", (col) => col.notNull())
        .addColumn("removed", "boolean", (col) => col.notNull().defaultTo(false))
        .addColumn("cancel_requested", "boolean", (col) => col.notNull().defaultTo(false))
        .addColumn("output_limit", "integer", (col) => col.notNull())
        .addColumn("phases", "json", (col) => col.notNull())
        .addColumn("output", "json")
        .addColumn("created_at", text, (col) => col.notNull())
        .addColumn("started_at", text)
        .addColumn("finished_at", text)
        .execute();
      await db.schema.createIndex("runs_created").on("runs").columns(["created_at", "id"]).execute();
      await db.schema.createIndex("runs_status").on("runs").column("status").execute();
      await db.schema
        .createTable("idempotency_keys")
        .addColumn("principal", text, (col) => col.notNull())
        .addColumn("operation", text, (col) => col.notNull())
        .addColumn("key", text, (col) => col.notNull())
        .addColumn("request_hash", text, (col) => col.notNull())
        .addColumn("status", "integer")
        .addColumn("response", "json")
        .addColumn("location", text)
        .addColumn("created_at", text, (col) => col.notNull())
        .addColumn("expires_at", text, (col) => col.notNull())
        .addPrimaryKeyConstraint("idempotency_keys_pk", ["principal", "operation", "key"])
        .execute();
      await db.schema.createIndex("idempotency_expiry").on("idempotency_keys").column("expires_at").execute();
    },
  },
  "0005_host_owner": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("hosts").addColumn("owner", text).execute();
      // As in SQLite's: hosts registered before owners were recorded get no stored credentials until an admin
      // sets them again, but for unix sockets and plain TCP, which always needed admin.
      await sql`update hosts set owner = 'unknown' where connection ->> 'transport' <> 'unix'
        and not coalesce((connection ->> 'insecure')::boolean, false)`.execute(db);
    },
  },
  "0006_token_ancestors": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("token_ancestors")
        .addColumn("token_id", text, (col) => col.notNull())
        .addColumn("ancestor_id", text, (col) => col.notNull())
        .addPrimaryKeyConstraint("token_ancestors_pk", ["token_id", "ancestor_id"])
        .execute();
      await db.schema
        .createIndex("token_ancestors_ancestor")
        .on("token_ancestors")
        .columns(["ancestor_id", "token_id"])
        .execute();
      await backfillTokenChains(db);
    },
  },
  "0007_audit_channel": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("audit")
        .addColumn("channel", text, (col) => col.notNull().defaultTo("rest"))
        .execute();
    },
  },
  "0008_run_leases": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("runs")
        .addColumn("lease_owner", text)
        .addColumn("lease_until", text)
        .execute();
    },
  },
  "0009_idempotency_leases": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("idempotency_keys")
        .addColumn("lease_until", text)
        .addColumn("owner", text)
        .execute();
    },
  },
  "0010_token_change_notices": {
    // Every commit that could turn an active token inactive notifies the replicas' change feeds
    // (./token-changes.ts), whoever writes it: a replica, the CLI, an older portcall, SQL by hand. Inserts too:
    // a revoked ancestor put back (a restored row) turns its chain inactive. ALWAYS: also where changes
    // arrive by replication, or in a session that set session_replication_role = replica.
    async up(db: Kysely<unknown>) {
      await sql`create function portcall_tokens_changed() returns trigger language plpgsql as $$
        begin
          perform pg_notify(${sql.lit(TOKENS_CHANNEL)}, '');
          return null;
        end $$`.execute(db);
      await sql`create trigger tokens_changed after insert or update of revoked_at, id or delete or truncate
        on tokens for each statement execute function portcall_tokens_changed()`.execute(db);
      await sql`create trigger token_ancestors_changed after insert or update or delete or truncate
        on token_ancestors for each statement execute function portcall_tokens_changed()`.execute(db);
      await sql`alter table tokens enable always trigger tokens_changed`.execute(db);
      await sql`alter table token_ancestors enable always trigger token_ancestors_changed`.execute(db);
    },
  },
};
