import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, inject } from "vitest";

export const describeWithPostgres = describe.skipIf(inject("postgres") === null);

function clusterUrl(): string {
  const url = inject("postgres");
  if (url === null)
    throw new Error("The test PostgreSQL cluster is not running (PORTCALL_SKIP_INTEGRATION).");
  return url;
}

async function onCluster(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: clusterUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export type TestDatabase = { name: string; url: string; drop(): Promise<void> };

/** A new, empty database on the test cluster, under a random name; `drop` removes it, connections and all. */
export async function createDatabase(): Promise<TestDatabase> {
  const name = `portcall_test_${randomBytes(6).toString("hex")}`;
  await onCluster(`create database ${name}`);
  const url = new URL(clusterUrl());
  url.pathname = `/${name}`;
  return { name, url: url.href, drop: () => onCluster(`drop database if exists ${name} with (force)`) };
}
