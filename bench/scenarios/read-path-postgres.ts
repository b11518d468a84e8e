// The read path on PostgreSQL: the same container inspect as the inspect scenario, at 1 and 16 connections,
// against a second server over a throwaway PostgreSQL cluster (the store of replicas), alternating with the
// bench's SQLite server. What differs is what a request asks of its store: the revocation read goes over a
// connection to PostgreSQL instead of to a file in the same process.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startPostgresCluster } from "../../test/support/postgres-cluster.js";
import { startServer } from "../../test/support/server.js";
import { alternateLoads, loadSide } from "../support/load.js";
import { compare, type Row } from "../support/runner.js";
import { type Bench, serverEntry } from "../support/setup.js";

export async function readPathPostgres(bench: Bench): Promise<Row[]> {
  const cluster = await startPostgresCluster();
  const dataDir = await mkdtemp(join(tmpdir(), "portcall-bench-pg-"));
  let stopServer = () => {};
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query("create database portcall_bench");
    await admin.end();
    const url = new URL(cluster.url);
    url.pathname = "/portcall_bench";
    // The keys in a data folder of its own, the store in the database: as replicas are set up.
    const server = await startServer(
      {
        PORTCALL_DATABASE_URL: url.href,
        PORTCALL_DATA_DIR: dataDir,
        DOCKER_HOST: bench.daemon.dockerHost,
        PORTCALL_HOST: "127.0.0.1",
      },
      serverEntry(bench),
    );
    stopServer = () => server.child.kill("SIGKILL");
    const [id] = await bench.sleepers(1);
    const path = `/v1/hosts/local/containers/${id}`;
    // The first call on a server opens its connections (to the database, to the daemon): not for a warm-up
    // of a fraction of a second to pay, which a quick run's is.
    for (const [url, headers] of [
      [`${server.url}${path}`, { Authorization: `Bearer ${server.token}` }],
      [`${bench.server.url}${path}`, bench.auth],
    ] as const) {
      const res = await fetch(url, { headers });
      if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
    }
    const rows: Row[] = [];
    for (const connections of [1, 16]) {
      const rounds = await alternateLoads(
        bench.load,
        bench.budget,
        connections,
        { url: `${server.url}${path}`, headers: { Authorization: `Bearer ${server.token}` } },
        { url: `${bench.server.url}${path}`, headers: bench.auth },
      );
      const postgres = loadSide("on PostgreSQL", rounds.a);
      const sqlite = loadSide("on SQLite", rounds.b);
      const added = 1000 / postgres.value - 1000 / sqlite.value;
      rows.push(
        compare(
          `read-path-postgres-${connections}`,
          `container inspect on PostgreSQL, ${connections} connection${connections > 1 ? "s" : ""}`,
          postgres,
          sqlite,
          {
            of: "PostgreSQL ÷ SQLite, req/s",
            // No target of its own: the inspect rows' targets are the read path's on either store.
            note: `${added.toFixed(2)} ms more per request on PostgreSQL (means)`,
          },
        ),
      );
    }
    return rows;
  } finally {
    stopServer();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
