import { afterAll, beforeAll, expect, it } from "vitest";
import { readJson } from "../support/http.js";
import { describeWithRig, removeLabelled, rig, testLabel } from "../support/rig.js";
import { type FreshServer, startFreshServer } from "../support/server.js";
import { EventReader } from "../support/sse.js";
import { settledStats } from "./support/process-stats.js";
import { type SoakDaemon, startSoakDaemon } from "./support/soak-daemon.js";

describeWithRig("a Docker daemon killed under open streams", () => {
  const label = testLabel();
  let daemon: SoakDaemon;
  let server: FreshServer;
  let chatter: string;

  beforeAll(async () => {
    daemon = await startSoakDaemon();
    const made = await daemon.docker.createContainer({
      Image: rig().images.busybox,
      Cmd: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.1; done"],
      Labels: { [label.key]: label.value },
    });
    await made.start();
    chatter = made.id;
    server = await startFreshServer({
      DOCKER_HOST: daemon.dockerHost,
      PORTCALL_PROBE_INTERVAL_MS: "500",
      PORTCALL_PROBE_TIMEOUT_MS: "500",
      // Connections whose stream ended are closed soon: what stays open afterwards is what leaked.
      PORTCALL_KEEP_ALIVE_TIMEOUT_MS: "500",
    });
  });
  afterAll(async () => {
    await server?.discard();
    if (!daemon) return;
    // Back up should the test have stopped halfway.
    await daemon.start();
    await removeLabelled(daemon.docker, label.filter);
  });

  it("ends followed logs and stats with an error event, reports the events stream's host detached, and works again once the daemon is back", async () => {
    const pid = server.child.pid ?? 0;
    const idle = await settledStats(pid, daemon.socket, (s) => s.daemonConnections === 0, 5_000);
    const logs = new EventReader(
      await server.api(`/v1/hosts/local/containers/${chatter}/logs?follow=true&tail=1`, {
        headers: { Accept: "application/x-ndjson" },
      }),
    );
    const stats = new EventReader(
      await server.api(`/v1/hosts/local/containers/${chatter}/stats`, {
        headers: { Accept: "application/x-ndjson" },
      }),
    );
    const events = new EventReader(
      await server.api(`/v1/events?host=local`, { headers: { Accept: "text/event-stream" } }),
    );
    try {
      expect((await logs.next()).event).toBe("log");
      expect((await stats.next()).event).toBe("stats");
      await events.until((e) => e.event === "host" && e.data.state === "attached");
      // One connection for each stream (and none else once a health probe in flight is done).
      const open = await settledStats(pid, daemon.socket, (s) => s.daemonConnections === 3, 3_000);
      expect(open.daemonConnections).toBe(3);

      await daemon.kill();

      // Each followed stream ends with an error event saying the host failed, not portcall.
      for (const reader of [logs, stats]) {
        const tail = await reader.until((e) => e.event === "error", 10_000);
        expect(tail.at(-1)?.data.problem).toMatchObject({ status: 503, code: "host_unavailable" });
        await expect(reader.next(2_000)).rejects.toThrow("the stream ended");
      }
      const detached = (await events.until((e) => e.event === "host", 10_000)).at(-1);
      expect(detached?.data).toMatchObject({
        host: "local",
        state: "detached",
        reason: expect.stringMatching(/local/),
      });

      // Nothing of either stream is left open: not toward the daemon, not otherwise (the events stream stays).
      const down = await settledStats(pid, daemon.socket, (s) => s.fds <= idle.fds + 1, 8_000);
      expect(down.daemonConnections).toBe(0);
      expect(down.fds).toBeLessThanOrEqual(idle.fds + 1);

      await daemon.start();
      const back = (await events.until((e) => e.event === "host", 20_000)).at(-1);
      expect(back?.data).toMatchObject({ host: "local", state: "attached" });
      const list = await server.api(`/v1/hosts/local/containers?all=true&label=${label.filter}`);
      expect(list.status).toBe(200);
      expect((await readJson(list)).items.map((c: { id: string }) => c.id)).toEqual([chatter]);
      const again = await server.api(`/v1/hosts/local/containers/${chatter}/logs?tail=1`);
      expect(again.status).toBe(200);
      expect(await again.text()).toMatch(/^line \d+\n$/);
      // Events flow again on the stream that outlived the outage.
      await daemon.docker.getContainer(chatter).start();
      await events.until((e) => e.event === "container" && e.data.action === "start", 10_000);
    } finally {
      await logs.close();
      await stats.close();
      await events.close();
    }
  });
});
