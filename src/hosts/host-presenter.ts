import { X509Certificate } from "node:crypto";
import type { HostHealth } from "../docker/docker-host.js";
import type { Host } from "../schemas/host.js";
import type { StoredConnection } from "./host-connection.js";
import type { HostRecord } from "./host-record.js";

function firstCertificate(pem: string): X509Certificate {
  const block = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0] ?? pem;
  return new X509Certificate(block);
}

const subject = (cert: X509Certificate) => cert.subject.split("\n").join(", ");

function tlsSummary(stored: StoredConnection): Host["tls"] {
  if (stored.transport !== "tcp" || !stored.tls) return null;
  const cert = firstCertificate(stored.tls.cert);
  return {
    caSubject: subject(firstCertificate(stored.tls.ca)),
    certSubject: subject(cert),
    certExpiresAt: new Date(cert.validTo).toISOString(),
  };
}

/** The public view of a host: connection facts and live status, never a key or passphrase. */
export function toHostResponse(record: HostRecord, health: HostHealth): Host {
  const { stored } = record;
  return {
    id: record.id,
    name: record.name,
    labels: record.labels,
    url: record.url,
    transport: stored.transport,
    tls: tlsSummary(stored),
    ssh:
      stored.transport === "ssh"
        ? { username: stored.username, hostKeyFingerprint: stored.hostKeyFingerprint }
        : null,
    insecure: stored.transport === "tcp" && stored.insecure,
    owner: record.owner,
    source: record.source,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    status: health,
  };
}
