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
};
