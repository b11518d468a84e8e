import { afterAll, expect, it } from "vitest";
import { type TestApp, testApp } from "../../support/app.js";
import { busybox, postExec, processList } from "../../support/exec.js";
import { type Json, readJson } from "../../support/http.js";
import { describeWithRig, removeLabelled, rigDocker, testLabel, withDaemonLock } from "../../support/rig.js";
import { transportHosts } from "../../support/transports.js";

describeWithRig("exec over mutual TLS and SSH", () => {
  const label = testLabel();
  const daemonOf = { tls: "rig2", ssh: "rig3" } as const;

  const startSleeper = (daemon: string) => busybox(daemon, { [label.key]: label.value }, ["sleep", "3600"]);

  /** An app over the TLS and SSH hosts, with rig3 (the daemon other tests stop and start) kept up meanwhile. */
  async function withTransports(work: (app: TestApp, hosts: Record<string, string>) => Promise<void>) {
    await withDaemonLock("rig3", async () => {
      const { tls, ssh } = await transportHosts();
      const app = await testApp({ hosts: [tls, ssh] });
      try {
        await work(app, { tls: tls.id, ssh: ssh.id });
      } finally {
        await app.services.hosts.close();
      }
    });
  }
  const exec = (app: TestApp, host: string, id: string, body: Json) => postExec({ app, host, id }, body);

  afterAll(() =>
    Promise.all(Object.values(daemonOf).map((daemon) => removeLabelled(rigDocker(daemon), label.filter))),
  );

  it("brings output and exit code back, and kills at the deadline, whatever the transport", async () => {
    await withTransports(async (app, hosts) => {
      for (const transport of ["tls", "ssh"] as const) {
        const host = hosts[transport] ?? "";
        const id = await startSleeper(daemonOf[transport]);
        const done = await exec(app, host, id, { cmd: ["sh", "-c", "echo out; echo err >&2; exit 2"] });
        expect(await readJson(done), transport).toMatchObject({
          exitCode: 2,
          stdout: "out\n",
          stderr: "err\n",
        });
        const slow = await readJson(await exec(app, host, id, { cmd: ["sleep", "33"], timeoutSeconds: 1 }));
        expect(slow, transport).toMatchObject({ exitCode: null, timedOut: true });
        expect(await processList(app, host, id), transport).not.toContainEqual(
          expect.stringContaining("sleep 33"),
        );
      }
    });
  });

  it.each(["tls", "ssh"] as const)(
    "gives stdin to the command on a host reached over %s",
    async (transport) => {
      await withTransports(async (app, hosts) => {
        const id = await startSleeper(daemonOf[transport]);
        const res = await exec(app, hosts[transport] ?? "", id, {
          cmd: ["cat"],
          stdin: `through ${transport}\n`,
        });
        expect(await readJson(res)).toMatchObject({ exitCode: 0, stdout: `through ${transport}\n` });
      });
    },
  );
});
