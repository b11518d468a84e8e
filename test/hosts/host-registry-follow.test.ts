import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostRegistry } from "../../src/hosts/host-registry.js";
import { silentLogger } from "../../src/logging/logger.js";
import { SecretBox } from "../../src/secrets/secret-box.js";
import { syncHostsFile } from "../../src/services.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/ports/store.js";
import { describeWithRig, ensureImage, rig, rigDocker, rigHost } from "../support/rig.js";

const OPTIONS = { callTimeoutMs: 5_000, probeTimeoutMs: 1_000, failureThreshold: 3, retryIntervalMs: 5_000 };

describeWithRig("hosts changed by another instance", () => {
  let store: Store;
  let here: HostRegistry;
  let there: HostRegistry;

  beforeAll(async () => {
    // Two instances over one store, as two replicas (or a server and the CLI) share one database.
    await ensureImage(rigDocker("rig2"), rig().images.busybox);
    store = await openStore(":memory:");
    const secrets = SecretBox.fromKey(randomBytes(32));
    here = new HostRegistry(store.hosts, secrets, OPTIONS, silentLogger);
    there = new HostRegistry(store.hosts, secrets, OPTIONS, silentLogger);
    await here.load();
    await there.load();
  });
  afterAll(async () => {
    await here.close();
    await there.close();
    await store.close();
  });

  it("are seen at the next refresh: added, relabelled, reconnected and removed", async () => {
    expect(await there.refresh()).toBe(false);
    await here.create({ ...rigHost("rig1", "shared"), labels: { env: "a" } });
    expect(await there.refresh()).toBe(true);
    expect(there.find("shared")?.labels).toEqual({ env: "a" });
    expect((await (await there.get("shared")).probe()).reachable).toBe(true);

    await here.update("shared", { labels: { env: "b" } });
    await there.refresh();
    expect(there.find("shared")?.labels).toEqual({ env: "b" });

    // A new connection: the other instance builds a client for the new daemon, not the old one.
    const onlyOnRig2 = `follow-${randomUUID().slice(0, 8)}`;
    const rig2 = rigDocker("rig2");
    await rig2.createContainer({ name: onlyOnRig2, Image: rig().images.busybox, Cmd: ["true"] });
    try {
      await here.update("shared", { url: `unix://${rig().daemons.rig2?.socket}` });
      await there.refresh();
      expect((await (await there.get("shared")).inspectContainer(onlyOnRig2)).name).toBe(onlyOnRig2);
    } finally {
      await rig2.getContainer(onlyOnRig2).remove({ force: true });
    }

    await here.remove("shared");
    expect(await there.refresh()).toBe(true);
    expect(there.find("shared")).toBeUndefined();
    expect(await there.refresh()).toBe(false);
  });

  it("are not changed by the same hosts file read again at another instance's start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "portcall-hosts-file-"));
    const file = join(dir, "hosts.json");
    try {
      await writeFile(
        file,
        JSON.stringify({ hosts: [{ ...rigHost("rig1", "from-file"), labels: { env: "f" } }] }),
      );
      await syncHostsFile(file, here);
      await there.refresh();
      const client = await there.get("from-file");
      const fingerprint = await store.hosts.fingerprint();
      // Two more starts, one racing the other: nothing is written, so nobody reconnects.
      await Promise.all([syncHostsFile(file, here), syncHostsFile(file, there)]);
      expect(await store.hosts.fingerprint()).toBe(fingerprint);
      expect(await there.refresh()).toBe(false);
      expect(await there.get("from-file")).toBe(client);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a change made from a stale copy, instead of undoing another instance's change", async () => {
    await here.create({ ...rigHost("rig1", "contended"), labels: { v: "1" } });
    await there.refresh();
    await here.update("contended", { labels: { v: "2" } });
    // `there` has not refreshed yet: its change was made against v=1.
    await expect(there.update("contended", { labels: { v: "3" } })).rejects.toMatchObject({
      code: "conflict",
    });
    expect(there.find("contended")?.labels).toEqual({ v: "2" });
    expect((await there.update("contended", { labels: { v: "3" } })).labels).toEqual({ v: "3" });
    await here.refresh();
    await here.remove("contended");
  });
});
