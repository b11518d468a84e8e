import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  buildNodeStandIns,
  dockerOn,
  type NodeStandIns,
  removeImagesLabelled,
} from "../support/node-stand-in.js";
import { describeWithRig, rig } from "../support/rig.js";
import { ROOT } from "../support/server.js";

const COMPOSE_IMAGE = "portcall:latest";

// The image as users build it (the repository's Dockerfile, unchanged), on a rig daemon with the classic
// builder, on stand-ins for the Node base image; then run the way the README says, with the daemon's socket.
describeWithRig("the container image", () => {
  const id = randomUUID().slice(0, 8);
  const image = `portcall-image-test:${id}`;
  const container = `portcall-image-test-${id}`;
  const label = `portcall.test=image-${id}`;
  let docker: ReturnType<typeof dockerOn>;
  let dir = "";
  let bases: NodeStandIns | undefined;
  let url = "";
  const project = `pcimage${id}`;
  let composeEnv: Record<string, string> = {};
  // Debian's docker-compose (1.29) reads the same compose.yaml as `docker compose` (v2), which Debian lacks.
  const compose = async (...args: string[]) =>
    (
      await promisify(execFile)("docker-compose", ["--project-name", project, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...composeEnv },
      })
    ).stdout.trim();

  beforeAll(async () => {
    const daemon = rig().daemons.rig1;
    if (!daemon) throw new Error("the rig has no daemon rig1");
    docker = dockerOn(daemon.dockerHost, rig().rigDir);
    dir = await mkdtemp(join(tmpdir(), "portcall-image-"));
    const started = Date.now();
    bases = await buildNodeStandIns(docker, dir, `portcall-image-test/node:${id}`, label);
    const args = [
      "--build-arg",
      `NODE_IMAGE=${bases.runImage}`,
      "--build-arg",
      `BUILD_IMAGE=${bases.buildImage}`,
    ];
    // --force-rm: a failing step leaves no container behind either
    await docker("build", "--quiet", "--force-rm", ...args, "--tag", image, ROOT);
    console.log(`image: stand-ins and build took ${Math.round((Date.now() - started) / 1000)} s`);

    const socket = daemon.socket;
    const socketGroup = String((await stat(socket)).gid);
    await docker(
      "run",
      "--detach",
      "--name",
      container,
      "--group-add",
      socketGroup,
      "--volume",
      `${socket}:/var/run/docker.sock`,
      "--publish",
      "127.0.0.1:0:8080",
      // the image's own HEALTHCHECK, only checked more often than every 30 s
      "--health-interval",
      "1s",
      image,
    );
    const published = (await docker("port", container, "8080/tcp")).split("\n")[0];
    url = `http://${published}`;
    composeEnv = {
      DOCKER_HOST: daemon.dockerHost,
      DOCKER_GID: socketGroup,
      DOCKER_SOCKET: socket,
      PORTCALL_HOST_PORT: "0",
    };
  }, 600_000);

  afterAll(async () => {
    const ignore = () => undefined;
    await compose("down", "--volumes").catch(ignore);
    if (docker) {
      await docker("image", "rm", COMPOSE_IMAGE).catch(ignore);
      await docker("rm", "--force", "--volumes", container).catch(ignore);
      await removeImagesLabelled(docker, label).catch(ignore);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it("is small: the bundle and the packages it loads on the Node base, and no more", async () => {
    const size = Number(await docker("image", "inspect", "--format", "{{.Size}}", image));
    const base = Number(await docker("image", "inspect", "--format", "{{.Size}}", bases?.runImage ?? ""));
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    console.log(
      `image size: ${mb(size)} = ${mb(size - base)} portcall + ${mb(base)} Node base (the stand-in)`,
    );
    expect(size - base).toBeLessThan(40e6);
    const modules = (
      await docker(
        "exec",
        container,
        "node",
        "-e",
        "console.log(require('fs').readdirSync('node_modules').join('\\n'))",
      )
    ).split("\n");
    // what the bundle loads at run time is there; what it has inside, and the build's tools, are not
    expect(modules).toEqual(expect.arrayContaining(["better-sqlite3", "ssh2", "swagger-ui-dist"]));
    for (const left of ["hono", "zod", "dockerode", "esbuild", "typescript", "vitest"]) {
      expect(modules).not.toContain(left);
    }
  });

  it("runs as the node user with the data folder as a volume", async () => {
    const config = JSON.parse(await docker("inspect", "--format", "{{json .Config}}", container)) as {
      User: string;
    };
    expect(config.User).toBe("node");
    const uid = await docker(
      "exec",
      container,
      "node",
      "-e",
      "process.stdout.write(String(process.getuid()))",
    );
    expect(uid).toBe("1000");
    const mounts = JSON.parse(await docker("inspect", "--format", "{{json .Mounts}}", container)) as Array<{
      Type: string;
      Destination: string;
    }>;
    expect(mounts).toContainEqual(expect.objectContaining({ Type: "volume", Destination: "/data" }));
  });

  it("answers /healthz on its published port, and Docker sees it healthy", async () => {
    let health = "";
    for (let i = 0; i < 60 && health !== "healthy"; i++) {
      await new Promise((r) => setTimeout(r, 500));
      health = await docker("inspect", "--format", "{{.State.Health.Status}}", container);
    }
    expect(health).toBe("healthy");
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("serves the API reference and its description from the files it ships", async () => {
    for (const path of [
      "/docs",
      "/docs/assets/swagger-ui-bundle.js",
      "/docs/assets/swagger-ui.css",
      "/openapi.json",
    ]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
  });

  it("mints a token with its own CLI that lists the host's containers through the port", async () => {
    const token = await docker(
      "exec",
      container,
      "portcall",
      "token",
      "create",
      "--name",
      "image",
      "--scope",
      "admin",
    );
    const res = await fetch(`${url}/v1/hosts/local/containers`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Array<{ name: string; state: string }> };
    // The socket it was given is the rig daemon's, on which portcall itself runs.
    expect(items).toContainEqual(expect.objectContaining({ name: container, state: "running" }));
  });

  it("drains on docker stop and exits 0 within the grace period", async () => {
    const started = Date.now();
    await docker("stop", "--time", "10", container);
    const took = Date.now() - started;
    const state = JSON.parse(await docker("inspect", "--format", "{{json .State}}", container)) as {
      ExitCode: number;
      OOMKilled: boolean;
    };
    console.log(`image: docker stop took ${took} ms`);
    expect(state.ExitCode).toBe(0);
    expect(took).toBeLessThan(10_000);
    expect(await docker("logs", container)).toContain('"message":"stopped"');
  });

  it("comes up with compose.yaml beside its daemon's socket, keeping its data in a named volume", async () => {
    // compose.yaml names the image `portcall`, as `docker compose up --build` tags it; here it is the one built.
    await docker("tag", image, COMPOSE_IMAGE);
    await compose("up", "--detach", "--no-build");
    const address = (await compose("port", "portcall", "8080")).split("\n")[0];
    let healthz = 0;
    for (let i = 0; i < 60 && healthz !== 200; i++) {
      await new Promise((r) => setTimeout(r, 500));
      healthz = await fetch(`http://${address}/healthz`).then(
        (res) => res.status,
        () => 0,
      );
    }
    expect(healthz).toBe(200);
    const token = await compose(
      "exec",
      "-T",
      "portcall",
      "portcall",
      "token",
      "create",
      "--name",
      "compose",
      "--scope",
      "admin",
    );
    const res = await fetch(`http://${address}/v1/hosts`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Array<{ id: string }> };
    expect(items.map((host) => host.id)).toEqual(["local"]);
    const volumes = await docker(
      "volume",
      "ls",
      "--quiet",
      "--filter",
      `label=com.docker.compose.project=${project}`,
    );
    expect(volumes).toBe(`${project}_portcall-data`);
  });
});
