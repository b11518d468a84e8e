// A pull of a 50 MB image (4 MiB in a quick run) from the rig's registry on loopback: portcall's POST
// /v1/hosts/{host}/images/pull, answering once the image is in, against `docker pull` on the same daemon, in
// turns. The image is removed before every pull, so that each one fetches and unpacks its layer for real; its
// base (the rig's busybox) stays, as on any host that pulls a new version of an image.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alternate, compare, type Row, timed, timeSide } from "../support/runner.js";
import { api, type Bench } from "../support/setup.js";

const MIB = 1024 * 1024;
const REPOSITORY = "portcall/bench-pull";

async function inRegistry(bench: Bench, tag: string): Promise<boolean> {
  const res = await fetch(`http://${bench.rig.registry.address}/v2/${REPOSITORY}/manifests/${tag}`, {
    method: "HEAD",
    headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" },
  });
  return res.ok;
}

/**
 * The image, in the rig's registry: busybox and a layer of `mib` MiB of random bytes, which no compression
 * shrinks. Built and pushed by the first run on this rig; later runs find it there.
 */
async function pushedImage(bench: Bench, mib: number): Promise<string> {
  const tag = `${mib}m`;
  const image = `${bench.rig.registry.address}/${REPOSITORY}:${tag}`;
  if (await inRegistry(bench, tag)) return image;
  const context = await mkdtemp(join(tmpdir(), "portcall-bench-pull-"));
  try {
    await writeFile(
      join(context, "Dockerfile"),
      `FROM ${bench.image}\nRUN head -c ${mib * MIB} /dev/urandom > /payload\n`,
    );
    await bench.cli("build", "--quiet", "--rm", "--force-rm", "--tag", image, context);
    await bench.cli("push", "--quiet", image);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return image;
}

/** Removes the image from the daemon, if it has it: the next pull then has its layer to fetch. */
async function removeImage(bench: Bench, image: string): Promise<void> {
  await bench.docker
    .getImage(image)
    .remove()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
}

export async function pull(bench: Bench): Promise<Row[]> {
  const mib = bench.quick ? 4 : 48;
  const image = await pushedImage(bench, mib);
  const body = JSON.stringify({ image });
  const viaPortcall = async () => {
    await removeImage(bench, image);
    return timed(async () => {
      const res = await api(bench, "/v1/hosts/local/images/pull", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body,
      });
      await res.json();
    });
  };
  const viaCli = async () => {
    await removeImage(bench, image);
    return timed(() => bench.cli("pull", "--quiet", image));
  };
  try {
    // One of each unmeasured, as for every one-off call: the code paths of a pull, on both sides.
    await viaPortcall();
    await viaCli();
    const rounds = await alternate(bench.budget.rounds, viaPortcall, viaCli);
    return [
      compare(
        "image-pull",
        `pull of a ${((mib * MIB) / 1e6).toFixed(0)} MB image from the rig's registry, removed before each (median of ${bench.budget.rounds})`,
        timeSide("POST …/images/pull", rounds.a),
        timeSide("docker pull", rounds.b),
        { of: "portcall ÷ docker pull, time", target: { at: "most", value: 1.1 } },
      ),
    ];
  } finally {
    await removeImage(bench, image);
  }
}
