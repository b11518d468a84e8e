import { type Kysely, type Migration, sql } from "kysely";
import { backfillTokenChains } from "../kysely-shared/migrations.js";

// Append only: a migration that has run anywhere is never edited, only followed by a new one.
export const migrations: Record<string, Migration> = {
  "0001_meta_and_hosts": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("meta")
        .addColumn("key", "text", (col) => col.primaryKey())
        .addColumn("value", "text", (col) => col.notNull())
        .execute();
      await db.schema
        .createTable("hosts")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("name", "text", (col) => col.notNull())
        .addColumn("labels", "text", (col) => col.notNull().defaultTo("{}"))
        .addColumn("url", "text", (col) => col.notNull())
        .addColumn("connection", "text", (col) => col.notNull().defaultTo("{}"))
        .addColumn("secrets", "text")
        .addColumn("source", "text", (col) => col.notNull().check(sql`source in ('api', 'file')`))
        .addColumn("created_at", "text", (col) => col.notNull())
        .addColumn("updated_at", "text", (col) => col.notNull())
        .addColumn("version", "integer", (col) => col.notNull().defaultTo(1))
        .execute();
    },
  },
  "0002_tokens_and_audit": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("tokens")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("name", "text", (col) => col.notNull())
        .addColumn("subject", "text", (col) => col.notNull())
        .addColumn("scope", "text", (col) => col.notNull())
        .addColumn("hosts", "text", (col) => col.notNull())
        .addColumn("policy", "text", (col) => col.notNull().defaultTo("{}"))
        .addColumn("created_by", "text", (col) => col.notNull())
        .addColumn("created_at", "text", (col) => col.notNull())
        .addColumn("expires_at", "text", (col) => col.notNull())
        .addColumn("revoked_at", "text")
        .addColumn("last_used_at", "text")
        .execute();
      await db.schema
        .createTable("audit")
        .addColumn("id", "integer", (col) => col.primaryKey().autoIncrement())
        .addColumn("time", "text", (col) => col.notNull())
        .addColumn("request_id", "text", (col) => col.notNull())
        .addColumn("subject", "text")
        .addColumn("token_id", "text")
        .addColumn("operation_id", "text")
        .addColumn("method", "text", (col) => col.notNull())
        .addColumn("path", "text", (col) => col.notNull())
        .addColumn("host", "text")
        .addColumn("target", "text")
        .addColumn("status", "integer", (col) => col.notNull())
        .addColumn("outcome", "text", (col) => col.notNull())
        .addColumn("reason", "text")
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
        .addColumn("address", "text", (col) => col.primaryKey())
        .addColumn("username", "text", (col) => col.notNull())
        .addColumn("secret", "text", (col) => col.notNull())
        .addColumn("created_at", "text", (col) => col.notNull())
        .addColumn("updated_at", "text", (col) => col.notNull())
        .execute();
    },
  },
  "0004_runs_and_idempotency": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("runs")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("host", "text", (col) => col.notNull())
        .addColumn("container_id", "text", (col) => col.notNull())
        .addColumn("image", "text", (col) => col.notNull())
        .addColumn("image_digest", "text")
        .addColumn("status", "text", (col) =>
          col.notNull().check(sql`status in ('running', 'exited', 'cancelled', 'lost')`),
        )
        .addColumn("exit_code", "integer")
        .addColumn("oom_killed", "integer", (col) => col.notNull().defaultTo(0))
        .addColumn("error", "text")
        .addColumn("labels", "text", (col) => col.notNull().defaultTo("{}"))
        .addColumn("subject", "text", (col) => col.notNull())
        .addColumn("token_id", "text", (col) => col.notNull())
        .addColumn("remove", "integer", (col) => col.notNull())
        .addColumn("removed", "integer", (col) => col.notNull().defaultTo(0))
        .addColumn("cancel_requested", "integer", (col) => col.notNull().defaultTo(0))
        .addColumn("output_limit", "integer", (col) => col.notNull())
        .addColumn("phases", "text", (col) => col.notNull())
        .addColumn("output", "text")
        .addColumn("created_at", "text", (col) => col.notNull())
        .addColumn("started_at", "text")
        .addColumn("finished_at", "text")
        .execute();
      await db.schema.createIndex("runs_created").on("runs").columns(["created_at", "id"]).execute();
      await db.schema.createIndex("runs_status").on("runs").column("status").execute();
      await db.schema
        .createTable("idempotency_keys")
        .addColumn("principal", "text", (col) => col.notNull())
        .addColumn("operation", "text", (col) => col.notNull())
        .addColumn("key", "text", (col) => col.notNull())
        .addColumn("request_hash", "text", (col) => col.notNull())
        .addColumn("status", "integer")
        .addColumn("response", "text")
        .addColumn("location", "text")
        .addColumn("created_at", "text", (col) => col.notNull())
        .addColumn("expires_at", "text", (col) => col.notNull())
        .addPrimaryKeyConstraint("idempotency_keys_pk", ["principal", "operation", "key"])
        .execute();
      await db.schema.createIndex("idempotency_expiry").on("idempotency_keys").column("expires_at").execute();
    },
  },
  "0005_host_owner": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("hosts").addColumn("owner", "text").execute();
      // Who registered an existing host was not recorded. Unix sockets and plain TCP always needed admin; for
      // the others assume the worst, so they get no stored credentials until an admin sets them again.
      await sql`update hosts set owner = 'unknown' where json_extract(connection, '$.transport') <> 'unix'
        and not coalesce(json_extract(connection, '$.insecure'), 0)`.execute(db);
    },
  },
  "0006_token_ancestors": {
    async up(db: Kysely<unknown>) {
      // Every token's chain of creators, one row per ancestor: revoking a token reaches its descendants by an
      // index, and authenticating one checks all its ancestors in the same query, without parsing JSON.
      await db.schema
        .createTable("token_ancestors")
        .addColumn("token_id", "text", (col) => col.notNull())
        .addColumn("ancestor_id", "text", (col) => col.notNull())
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
      // Every entry before MCP came through REST.
      await db.schema
        .alterTable("audit")
        .addColumn("channel", "text", (col) => col.notNull().defaultTo("rest"))
        .execute();
    },
  },
  "0008_run_leases": {
    async up(db: Kysely<unknown>) {
      // Runs of before leases have no owner: the first sweep of any instance takes them.
      await db.schema.alterTable("runs").addColumn("lease_owner", "text").execute();
      await db.schema.alterTable("runs").addColumn("lease_until", "text").execute();
    },
  },
  "0009_idempotency_leases": {
    async up(db: Kysely<unknown>) {
      // A pending claim of before leases counts as lapsed: its owner cannot be told from a dead one.
      await db.schema.alterTable("idempotency_keys").addColumn("lease_until", "text").execute();
      // The claim's random token (`KeyClaim.owner`); null for a claim of before leases, which nobody renews.
      await db.schema.alterTable("idempotency_keys").addColumn("owner", "text").execute();
    },
  },
  "0010_token_change_notices": {
    // PostgreSQL's notices of token changes, for the replicas' caches of active tokens; SQLite's store keeps
    // no such cache (its standing read is a prepared statement in the same process), so nothing to add here.
    async up() {},
  },
};
