import { z } from "@hono/zod-openapi";

export const ContainerStateSchema = z
  .enum(["created", "running", "paused", "restarting", "removing", "exited", "dead"])
  .openapi("ContainerState", { description: "The container's lifecycle state, as the daemon reports it." });

export const PortBindingSchema = z
  .object({
    containerPort: z.number().int().openapi({ example: 80 }),
    protocol: z.enum(["tcp", "udp", "sctp"]).openapi({ example: "tcp" }),
    hostIp: z
      .string()
      .nullable()
      .openapi({ description: "Host address it is published on, if published.", example: "127.0.0.1" }),
    hostPort: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Host port it is published on, if published.", example: 8080 }),
  })
  .openapi("PortBinding");

export const ContainerSummarySchema = z
  .object({
    id: z.string().openapi({ description: "Full container id.", example: "4c2a1f0e9b7d…" }),
    name: z
      .string()
      .openapi({ description: "Primary name, without Docker's leading slash.", example: "web-1" }),
    image: z
      .string()
      .openapi({ description: "Image reference the container was created from.", example: "httpd:2.4" }),
    imageId: z.string().openapi({ example: "sha256:9f3c…" }),
    command: z.string().openapi({ example: "httpd-foreground" }),
    createdAt: z.iso.datetime().openapi({ example: "2026-11-28T01:02:03.000Z" }),
    state: ContainerStateSchema,
    status: z
      .string()
      .openapi({ description: "Human-readable status from the daemon.", example: "Up 5 minutes" }),
    labels: z.record(z.string(), z.string()),
    ports: z.array(PortBindingSchema),
    networks: z.array(z.string()).openapi({ description: "Names of the networks it is attached to." }),
    service: z.string().optional().openapi({
      description:
        "For a Swarm task's container: the name of its service (its `com.docker.swarm.service.name` label).",
      example: "web",
    }),
  })
  .openapi("ContainerSummary");

export const ContainerListSchema = z
  .object({ items: z.array(ContainerSummarySchema) })
  .openapi("ContainerList");

const MountSchema = z
  .object({
    type: z.string().openapi({ example: "volume" }),
    name: z.string().nullable().openapi({ description: "Volume name, for volume mounts." }),
    source: z.string(),
    destination: z.string(),
    readOnly: z.boolean(),
  })
  .openapi("ContainerMount");

const NetworkAttachmentSchema = z
  .object({
    name: z.string().openapi({ example: "bridge" }),
    ipAddress: z.string().nullable().openapi({ example: "172.17.0.2" }),
    gateway: z.string().nullable(),
    macAddress: z.string().nullable(),
  })
  .openapi("NetworkAttachment");

export const ContainerDetailSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    image: z.string().openapi({ description: "Image reference the container was created from." }),
    imageId: z.string(),
    createdAt: z.iso.datetime(),
    state: z
      .object({
        status: ContainerStateSchema,
        running: z.boolean(),
        paused: z.boolean(),
        restarting: z.boolean(),
        oomKilled: z.boolean(),
        dead: z.boolean(),
        pid: z.number().int().nullable().openapi({ description: "Process id on the host while running." }),
        exitCode: z
          .number()
          .int()
          .nullable()
          .openapi({ description: "Exit code of the last run, once it exited." }),
        error: z.string().nullable(),
        startedAt: z.iso.datetime().nullable(),
        finishedAt: z.iso.datetime().nullable(),
        health: z.enum(["starting", "healthy", "unhealthy", "none"]).nullable(),
      })
      .openapi("ContainerStateDetail"),
    config: z
      .object({
        cmd: z.array(z.string()),
        entrypoint: z.array(z.string()),
        env: z
          .record(z.string(), z.string())
          .openapi({ description: "Environment, as a map of name to value." }),
        workingDir: z.string().nullable(),
        user: z.string().nullable(),
        hostname: z.string(),
        tty: z.boolean(),
        labels: z.record(z.string(), z.string()),
      })
      .openapi("ContainerConfig"),
    restartCount: z.number().int(),
    restartPolicy: z.string().openapi({ example: "no" }),
    limits: z
      .object({
        memoryBytes: z.number().int().nullable(),
        nanoCpus: z.number().int().nullable(),
        pids: z.number().int().nullable(),
      })
      .openapi("ContainerLimits"),
    mounts: z.array(MountSchema),
    ports: z.array(PortBindingSchema),
    networks: z.array(NetworkAttachmentSchema),
  })
  .openapi("ContainerDetail");

export type ContainerState = z.infer<typeof ContainerStateSchema>;
export type PortBinding = z.infer<typeof PortBindingSchema>;
export type ContainerSummary = z.infer<typeof ContainerSummarySchema>;
export type ContainerDetail = z.infer<typeof ContainerDetailSchema>;
