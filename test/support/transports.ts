import { readFile } from "node:fs/promises";
import type { HostCreate } from "../../src/schemas/host.js";
import { rig } from "./rig.js";

export const read = (path: string) => readFile(path, "utf8");

/** The three transports portcall supports, each to a different rig daemon. */
export async function transportHosts(): Promise<Record<"unix" | "tls" | "ssh", HostCreate>> {
  const { tls, ssh } = rig();
  return {
    unix: { id: "via-unix", url: rig().daemons.rig1?.dockerHost ?? "" },
    tls: {
      id: "via-tls",
      url: tls.url,
      tls: { ca: await read(tls.ca), cert: await read(tls.cert), key: await read(tls.key) },
    },
    ssh: {
      id: "via-ssh",
      url: ssh.url,
      ssh: { privateKey: await read(ssh.privateKey), hostKey: await read(ssh.hostPublicKey) },
    },
  };
}
