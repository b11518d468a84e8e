import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { HostsFileError } from "../src/hosts/hosts-file.js";
import { createLogger, silentLogger } from "../src/logging/logger.js";
import { createServices } from "../src/services.js";
import { describeWithRig, rig } from "./support/rig.js";

describeWithRig("starting up", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "portcall-services-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  const start = (env: Record<string, string> = {}) =>
    createServices(
      loadConfig({ PORTCALL_DATA_DIR: dataDir, DOCKER_HOST: rig().daemons.rig1?.dockerHost, ...env }),
      silentLogger,
    );

  it("registers the local daemon as `local` on the first start only", async () => {
    const first = await start();
    expect(first.hosts.list().map((host) => host.id)).toEqual(["local"]);
    await first.hosts.remove("local");
    await first.close();

    const second = await start();
    expect(second.hosts.list()).toEqual([]);
    await second.close();
  });

  it("keeps hosts from PORTCALL_HOSTS_FILE in step with the file, read-only through the API", async () => {
    const file = join(dataDir, "hosts.yaml");
    const rig2 = rig().daemons.rig2?.dockerHost;
    await writeFile(file, `hosts:\n  - id: from-file\n    labels: { pool: build }\n    url: ${rig2}\n`);
    const first = await start({ PORTCALL_HOSTS_FILE: file });
    const record = first.hosts.record("from-file");
    expect(record).toMatchObject({ source: "file", labels: { pool: "build" }, url: rig2 });
    await expect(first.hosts.update("from-file", { labels: {} })).rejects.toMatchObject({
      code: "host_read_only",
    });
    await expect(first.hosts.remove("from-file")).rejects.toMatchObject({ code: "host_read_only" });
    await first.close();

    await writeFile(file, JSON.stringify({ hosts: [{ id: "other", url: rig2 }] }));
    const second = await start({ PORTCALL_HOSTS_FILE: file });
    // The file's hosts made the first start non-empty, so no `local` was added then or now.
    expect(second.hosts.list().map((host) => [host.id, host.source])).toEqual([["other", "file"]]);
    await second.close();
  });

  it("registers no `local` beside a hosts file, even an empty one, and says why in the start-up log", async () => {
    const file = join(dataDir, "hosts.yaml");
    await writeFile(file, "hosts: []\n");
    const lines: string[] = [];
    const services = await createServices(
      loadConfig({
        PORTCALL_DATA_DIR: dataDir,
        DOCKER_HOST: rig().daemons.rig1?.dockerHost,
        PORTCALL_HOSTS_FILE: file,
      }),
      createLogger("info", (line) => lines.push(line)),
    );
    expect(services.hosts.list()).toEqual([]);
    await services.close();
    expect(lines.join("")).toContain("hosts come from PORTCALL_HOSTS_FILE");
  });

  it("refuses to start on a hosts file with a bad entry, naming it", async () => {
    const file = join(dataDir, "hosts.json");
    await writeFile(file, JSON.stringify({ hosts: [{ id: "Bad Id", url: "tcp://x" }] }));
    await expect(start({ PORTCALL_HOSTS_FILE: file })).rejects.toThrow(HostsFileError);
    await expect(start({ PORTCALL_HOSTS_FILE: file })).rejects.toThrow(/hosts\.0\.id/);
  });
});
