import { join, resolve } from "node:path";

export type RigDaemon = {
  socket: string;
  dockerHost: string;
  bridge: string;
  /** The bridge's address on the rig's machine: what the daemon's containers reach it by. */
  gateway: string;
  pidfile: string;
  dataRoot: string;
  log: string;
};

/** What `scripts/rig.sh up` writes to `$PORTCALL_RIG_DIR/state.json`; tests read nothing else about the rig. */
export type RigState = {
  rigDir: string;
  storageDriver: string;
  daemons: Record<string, RigDaemon>;
  registry: { address: string };
  authRegistry: { address: string; username: string; password: string };
  /** rig2 also listens on TCP with mutual TLS; paths of the PEM files. */
  tls: {
    daemon: string;
    address: string;
    url: string;
    ca: string;
    cert: string;
    key: string;
    serverCert: string;
    rogueCa: string;
    rogueCert: string;
    rogueKey: string;
  };
  /** A private sshd on loopback whose sessions reach rig3; paths of the key files. */
  ssh: {
    daemon: string;
    address: string;
    url: string;
    user: string;
    privateKey: string;
    publicKey: string;
    hostPublicKey: string;
    hostKeyFingerprint: string;
  };
  /** A daemon of `daemons` that is a single-node Swarm manager; no other test uses it (null: no such daemon). */
  swarm: { daemon: string } | null;
  images: { busybox: string; busybox1: string; busyboxAuth: string; busyboxDigest: string };
};

export const RIG_SCRIPT = resolve(import.meta.dirname, "../../scripts/rig.sh");
export const rigDir = () => process.env.PORTCALL_RIG_DIR ?? "/tmp/portcall-rig";
export const rigStateFile = () => join(rigDir(), "state.json");
