import { z } from "@hono/zod-openapi";
import { HOST_ID_PATTERN } from "./params.js";
import { plainText } from "./text.js";

const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
const PEM_LIMIT = 64 * 1024;

const pem = (what: string) =>
  z
    .string()
    .max(PEM_LIMIT)
    .openapi({ description: `${what}, PEM-encoded.`, example: `-----BEGIN ${what.toUpperCase()}-----\n…` });

export const HostLabelsSchema = z
  .record(z.string().regex(LABEL_KEY, "label keys are letters, digits and . _ / -"), plainText().max(256))
  .refine((labels) => Object.keys(labels).length <= 64, "at most 64 labels")
  .openapi("HostLabels", {
    description:
      "Free-form labels, used by token grants and placement (`env: prod`, `pool: build`). Setting or changing " +
      "them needs the `hosts:label` scope.",
    example: { env: "prod", pool: "build" },
  });

export const HostTlsInputSchema = z
  .object({
    ca: pem("Certificate").openapi({
      description: "CA certificate(s) the daemon's certificate must chain to.",
    }),
    cert: pem("Certificate").openapi({ description: "Client certificate portcall presents." }),
    key: pem("Private key").openapi({ description: "Client private key. Write-only: never returned." }),
  })
  .strict()
  .openapi("HostTlsInput", { description: "Mutual TLS for a `tcp://` host." });

export const HostSshInputSchema = z
  .object({
    privateKey: pem("Private key").openapi({
      description: "SSH private key (OpenSSH or PEM format). Write-only: never returned.",
    }),
    passphrase: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: "Passphrase of the key. Write-only." }),
    hostKey: z
      .string()
      .max(16 * 1024)
      .optional()
      .openapi({
        description: "The server's public host key, as in known_hosts (`ssh-ed25519 AAAA…`).",
        example: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGt0…",
      }),
    hostKeyFingerprint: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "must be SHA256:… as `ssh-keygen -lf` prints it")
      .optional()
      .openapi({
        description: "Or the host key's SHA256 fingerprint.",
        example: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
      }),
  })
  .strict()
  .openapi("HostSshInput", {
    description:
      "SSH for an `ssh://` host. The host key is required: portcall never trusts a key on first use.",
  });

const url = plainText().min(1).max(1024).openapi({
  description: "`unix:///path/to/docker.sock`, `tcp://host:port` (mutual TLS) or `ssh://user@host:port`.",
  example: "tcp://10.0.0.5:2376",
});

const hostFields = {
  name: plainText().min(1).max(100).optional().openapi({ description: "Display name; defaults to the id." }),
  labels: HostLabelsSchema.optional(),
  url,
  tls: HostTlsInputSchema.optional(),
  ssh: HostSshInputSchema.optional(),
  insecure: z.boolean().optional().openapi({
    description: "Allow plain `tcp://` without TLS. Refused unless the address is loopback; admin only.",
  }),
};

export const HostCreateSchema = z
  .object({
    id: z
      .string()
      .regex(
        HOST_ID_PATTERN,
        "must be lowercase letters, digits and '-', starting with a letter or digit, at most 63",
      )
      .openapi({ example: "build-1" }),
    ...hostFields,
  })
  .strict()
  .openapi("HostCreate", {
    example: {
      id: "build-1",
      labels: { pool: "build" },
      url: "ssh://deploy@10.0.0.7:22",
      ssh: {
        privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\n…",
        hostKeyFingerprint: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
      },
    },
  });

export const HostUpdateSchema = z
  .object({ ...hostFields, url: url.optional() })
  .strict()
  .openapi("HostUpdate", {
    description: "Fields to change. Changing `url` to another transport needs that transport's settings too.",
    example: { labels: { pool: "build", zone: "b" } },
  });

export const HostStatusSchema = z
  .object({
    reachable: z.boolean().nullable().openapi({ description: "null until the host was tried once." }),
    down: z
      .boolean()
      .openapi({ description: "Repeated failures: calls fail fast (503) until a probe succeeds." }),
    lastCheckedAt: z.iso.datetime().nullable(),
    latencyMs: z.number().nullable().openapi({ description: "Round trip of the last successful `/_ping`." }),
    apiVersion: z
      .string()
      .nullable()
      .openapi({ description: "Engine API version negotiated with the host." }),
    error: z.string().nullable().openapi({ description: "Why the host is not reachable." }),
  })
  .openapi("HostStatus");

export const HostSchema = z
  .object({
    id: z.string().openapi({ example: "build-1" }),
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    url: z.string().openapi({ example: "ssh://deploy@10.0.0.7:22" }),
    transport: z.enum(["unix", "tcp", "ssh"]),
    tls: z
      .object({
        caSubject: z.string(),
        certSubject: z.string(),
        certExpiresAt: z.iso.datetime(),
      })
      .nullable()
      .openapi("HostTls", { description: "Which certificates are in use; the key is never returned." }),
    ssh: z
      .object({ username: z.string(), hostKeyFingerprint: z.string() })
      .nullable()
      .openapi("HostSsh", { description: "Who portcall logs in as and which host key it expects." }),
    insecure: z.boolean(),
    owner: z
      .string()
      .nullable()
      .openapi({
        description:
          "null when an operator (an admin token, the CLI, the hosts file) set the connection; else the issuer and " +
          "subject of the token that did (`portcall:alice`). Such a host gets no stored registry credentials and no " +
          "other subject's placed runs.",
      }),
    source: z.enum(["api", "file"]).openapi({
      description: "`file` hosts come from PORTCALL_HOSTS_FILE and cannot be changed through the API.",
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    status: HostStatusSchema,
  })
  .openapi("Host");

export const HostListSchema = z.object({ items: z.array(HostSchema) }).openapi("HostList");

export type HostCreate = z.infer<typeof HostCreateSchema>;
export type HostUpdate = z.infer<typeof HostUpdateSchema>;
export type Host = z.infer<typeof HostSchema>;
export type HostStatus = z.infer<typeof HostStatusSchema>;
