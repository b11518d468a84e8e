import { describe, expect, it } from "vitest";
import type { RunEnd, RunRecord } from "../../../src/store/ports/runs.js";
import type { Store } from "../../../src/store/ports/store.js";
import type { TokenRecord } from "../../../src/store/ports/tokens.js";
import { storedToken } from "../../support/stored-token.js";

const PHASES = { pullMs: 120, createMs: 30, startMs: null, runMs: null };

const run = (id: string, overrides: Partial<RunRecord> = {}): RunRecord => ({
  id,
  host: "h-1",
  container_id: `ctr-${id}`,
  image: "alpine:3.20",
  image_digest: "alpine@sha256:abc",
  status: "running",
  exit_code: null,
  oom_killed: false,
  error: null,
  labels: { team: "web", "ci.job": "42" },
  subject: "token:ci",
  token_id: "t-ci",
  remove: true,
  removed: false,
  cancel_requested: false,
  output_limit: 65_536,
  phases: PHASES,
  output: null,
  created_at: "2026-01-01T00:00:00.000Z",
  started_at: null,
  finished_at: null,
  ...overrides,
});

const exited: RunEnd = {
  status: "exited",
  exitCode: 3,
  oomKilled: true,
  error: "out of memory",
  startedAt: "2026-01-01T00:00:01.000Z",
  finishedAt: "2026-01-01T00:00:05.000Z",
  output: { stdout: "hi\n", stderr: "", truncated: false, stdoutBytes: 3, stderrBytes: 0 },
  runMs: 4_000,
};

const tokenOf = (id: string): TokenRecord => storedToken(id, { scopes: [], hosts: [] });

export function runsContract(store: () => Store): void {
  describe("runs", () => {
    const ids = (runs: RunRecord[]) => runs.map((item) => item.id);
    const listAll = { labels: [], limit: 50 };

    it("keeps every field of a run, and deletes it", async () => {
      const { runs } = store();
      const stored = run("r1", { labels: {}, remove: false, image_digest: null });
      await runs.insert(stored);
      expect(await runs.get("r1")).toEqual(stored);
      await runs.delete("r1");
      expect(await runs.get("r1")).toBeUndefined();
    });

    it("records the start, and the first end only, with the run's time among its phases", async () => {
      const { runs } = store();
      await runs.insert(run("r1"));
      const started = { ...PHASES, startMs: 15 };
      await runs.markStarted("r1", "2026-01-01T00:00:01.000Z", started);
      expect(await runs.get("r1")).toMatchObject({ started_at: "2026-01-01T00:00:01.000Z", phases: started });
      await runs.end("r1", exited, started);
      await runs.end("r1", { ...exited, status: "lost", exitCode: null, error: "late" }, PHASES);
      expect(await runs.get("r1")).toEqual({
        ...run("r1"),
        status: "exited",
        exit_code: 3,
        oom_killed: true,
        error: "out of memory",
        started_at: exited.startedAt,
        finished_at: exited.finishedAt,
        output: exited.output,
        phases: { ...started, runMs: 4_000 },
      });
      await runs.markRemoved("r1");
      expect((await runs.get("r1"))?.removed).toBe(true);
    });

    it("gives the cancel mark to the first cancel only, until it is withdrawn", async () => {
      const { runs } = store();
      await runs.insert(run("r1"));
      expect(await runs.requestCancel("r1")).toBe(true);
      expect(await runs.requestCancel("r1")).toBe(false);
      expect((await runs.get("r1"))?.cancel_requested).toBe(true);
      await runs.withdrawCancel("r1");
      expect((await runs.get("r1"))?.cancel_requested).toBe(false);
      expect(await runs.requestCancel("r1")).toBe(true);
      expect(await runs.requestCancel("nobody")).toBe(false);
    });

    it("lists the runs still running and those still to be removed, with their token's issuer", async () => {
      const { runs, tokens } = store();
      await tokens.insert(tokenOf("t-ci"), null);
      await runs.insert(run("running"));
      await runs.insert(run("from-oidc", { token_id: "oidc-jti" }));
      await runs.insert(run("to-remove"));
      await runs.end("to-remove", exited, PHASES);
      await runs.insert(run("removed"));
      await runs.end("removed", exited, PHASES);
      await runs.markRemoved("removed");
      await runs.insert(run("kept", { remove: false }));
      await runs.end("kept", exited, PHASES);
      const unfinished = await runs.unfinished();
      expect(Object.fromEntries(unfinished.map((item) => [item.id, item.issuer]))).toEqual({
        running: "portcall",
        "from-oidc": "oidc",
        "to-remove": "portcall",
      });
      expect(unfinished.find((item) => item.id === "running")).toEqual({
        ...run("running"),
        issuer: "portcall",
      });
    });

    describe("watch leases", () => {
      const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
      const lease = (owner: string, until: number) => ({ owner, until: at(until) });
      const unwatched = async (now: number) => ids(await store().runs.listUnwatched(at(now))).sort();

      it("stores a run watched by its starter, which no one else may claim before the lease lapses", async () => {
        const { runs } = store();
        await runs.insert(run("r1"), lease("a", 30));
        expect(await runs.get("r1")).toEqual(run("r1"));
        expect(await unwatched(30)).toEqual([]);
        expect(await runs.claimWatch("r1", lease("b", 60), at(30))).toBe(false);
        // `until` is the last instant the lease holds.
        expect(await unwatched(31)).toEqual(["r1"]);
        expect(await runs.claimWatch("r1", lease("b", 60), at(31))).toBe(true);
        expect(await runs.claimWatch("r1", lease("a", 90), at(31))).toBe(false);
        expect(await runs.claimWatch("nobody", lease("a", 90), at(31))).toBe(false);
      });

      it("lets the holder claim again to extend its lease, and renews only what it still holds", async () => {
        const { runs } = store();
        await runs.insert(run("r1"), lease("a", 10));
        await runs.insert(run("r2"), lease("a", 10));
        await runs.insert(run("r3"), lease("b", 10));
        expect(await runs.claimWatch("r1", lease("a", 20), at(5))).toBe(true);
        expect(await unwatched(15)).toEqual(["r2", "r3"]);
        // r2 lapsed and was taken over by b: a's renewal leaves it to b.
        expect(await runs.claimWatch("r2", lease("b", 40), at(15))).toBe(true);
        expect((await runs.renewWatches("a", ["r1", "r2", "r3", "nobody"], at(50))).sort()).toEqual(["r1"]);
        expect(await runs.renewWatches("a", [], at(50))).toEqual([]);
        expect(await unwatched(45)).toEqual(["r2", "r3"]);
        // A lapsed lease renewed by its holder before anyone took it over is its own again.
        expect(await runs.renewWatches("b", ["r3"], at(60))).toEqual(["r3"]);
        expect(await unwatched(48)).toEqual(["r2"]);
      });

      it("frees a lease its holder releases, and only then", async () => {
        const { runs } = store();
        await runs.insert(run("r1"), lease("a", 30));
        await runs.releaseWatch("r1", "b");
        expect(await unwatched(0)).toEqual([]);
        await runs.releaseWatch("r1", "a");
        expect(await unwatched(0)).toEqual(["r1"]);
        expect(await runs.renewWatches("a", ["r1"], at(60))).toEqual([]);
        expect(await runs.claimWatch("r1", lease("b", 30), at(0))).toBe(true);
      });

      it("lists only runs still to be watched: running ones and ended ones still to be removed", async () => {
        const { runs, tokens } = store();
        await tokens.insert(tokenOf("t-ci"), null);
        await runs.insert(run("no-lease"));
        await runs.insert(run("lapsed"), lease("a", 5));
        await runs.insert(run("oidc", { token_id: "oidc-jti" }), lease("a", 5));
        await runs.insert(run("held"), lease("a", 60));
        await runs.insert(run("to-remove"), lease("a", 5));
        await runs.end("to-remove", exited, PHASES);
        await runs.insert(run("kept", { remove: false }));
        await runs.end("kept", exited, PHASES);
        const rows = await runs.listUnwatched(at(10));
        expect(Object.fromEntries(rows.map((item) => [item.id, item.issuer]))).toEqual({
          "no-lease": "portcall",
          lapsed: "portcall",
          oidc: "oidc",
          "to-remove": "portcall",
        });
        expect(rows.find((item) => item.id === "lapsed")).toEqual({ ...run("lapsed"), issuer: "portcall" });
      });
    });

    describe("listing", () => {
      async function seven() {
        const { runs } = store();
        const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
        const rows = [
          run("r_a", { created_at: at(1), host: "h-1" }),
          run("r_b", { created_at: at(2), host: "h-2", labels: { team: "db" } }),
          run("r_c", { created_at: at(3), host: "h-1", labels: {} }),
          // Two made in the same millisecond: the id orders them.
          run("r_d", { created_at: at(4), host: "h-3" }),
          run("r_e", { created_at: at(4), host: "h-1", labels: { team: "web" } }),
          run("r_f", { created_at: at(5), host: "h-2" }),
          run("r_g", { created_at: at(6), host: "h-1" }),
        ];
        for (const row of rows) await runs.insert(row);
        await runs.end("r_f", exited, PHASES);
        return runs;
      }

      it("lists newest first, by creation and then id", async () => {
        const runs = await seven();
        expect(ids(await runs.list(listAll))).toEqual(["r_g", "r_f", "r_e", "r_d", "r_c", "r_b", "r_a"]);
      });

      it("filters by hosts, status and labels, all of them together", async () => {
        const runs = await seven();
        expect(ids(await runs.list({ ...listAll, hosts: ["h-2", "h-3"] }))).toEqual(["r_f", "r_d", "r_b"]);
        expect(await runs.list({ ...listAll, hosts: [] })).toEqual([]);
        expect(ids(await runs.list({ ...listAll, status: "exited" }))).toEqual(["r_f"]);
        expect(ids(await runs.list({ ...listAll, labels: [["team", "db"]] }))).toEqual(["r_b"]);
        expect(ids(await runs.list({ ...listAll, labels: [["ci.job", undefined]] }))).toEqual([
          "r_g",
          "r_f",
          "r_d",
          "r_a",
        ]);
        const together = { hosts: ["h-1"], status: "running" as const, limit: 50 };
        const labels: Array<[string, string | undefined]> = [
          ["team", "web"],
          ["ci.job", "42"],
        ];
        expect(ids(await runs.list({ ...together, labels }))).toEqual(["r_g", "r_a"]);
      });

      it("keeps labels beyond ASCII as they were given, and finds runs by them", async () => {
        const { runs } = store();
        const labels = { team: "équipe ☃", "note/x": 'say "日本語" \\ 😀', "ci.job": "42" };
        await runs.insert(run("r_u", { labels }));
        await runs.insert(run("r_v", { labels: { team: "équipe" } }));
        expect((await runs.get("r_u"))?.labels).toEqual(labels);
        expect(ids(await runs.list({ ...listAll, labels: [["note/x", labels["note/x"]]] }))).toEqual(["r_u"]);
        expect(ids(await runs.list({ ...listAll, labels: [["team", "équipe"]] }))).toEqual(["r_v"]);
        expect(ids(await runs.list({ ...listAll, labels: [["team", undefined]] }))).toEqual(["r_v", "r_u"]);
      });

      it("pages on after a cursor, also between runs made at the same time", async () => {
        const runs = await seven();
        const first = await runs.list({ ...listAll, limit: 3 });
        expect(ids(first)).toEqual(["r_g", "r_f", "r_e"]);
        const last = first.at(-1);
        const cursor = last && { createdAt: last.created_at, id: last.id };
        expect(ids(await runs.list({ ...listAll, limit: 3, cursor }))).toEqual(["r_d", "r_c", "r_b"]);
      });
    });
  });
}
