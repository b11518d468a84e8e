import { type Kysely, type Migration, sql } from "kysely";

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
};
