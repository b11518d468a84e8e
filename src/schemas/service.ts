import { z } from "@hono/zod-openapi";
import { ContainerSpecSchema, ImageReferenceSchema, ObjectLabelsSchema } from "./container-create.js";
import { RegistryAuthSchema } from "./image.js";
import { dockerRefParam, HostIdSchema, NAME_PATTERN } from "./params.js";

// The container settings a service's tasks share with a plain container, under the same grammar.
const container = ContainerSpecSchema.shape;

// Swarm ids are 25 lowercase alphanumerics; names follow Docker's name grammar.
export const ServiceRefSchema = dockerRefParam(
  "service",
  "service id or name",
  "Service id, unique id prefix, or name.",
  "web",
);
export const NodeRefSchema = dockerRefParam("node", "node id or hostname", "Node id or hostname.");

export const ServiceParamsSchema = z.object({ host: HostIdSchema, service: ServiceRefSchema });
export const NodeParamsSchema = z.object({ host: HostIdSchema, node: NodeRefSchema });

// Swarm's placement grammar (`node.labels.zone == a`, `node.role != worker`); nothing that could hide another.
const ConstraintSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9._/-]{1,255}\s*(==|!=)\s*[A-Za-z0-9._/:-]{1,255}$/,
    "must be `attribute==value` or `attribute!=value`",
  )
  .openapi({ example: "node.role==manager" });

const ServicePortSchema = z
  .object({
    targetPort: z.number().int().min(1).max(65535),
    publishedPort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .openapi({ description: "Omit for a free port." }),
    protocol: z.enum(["tcp", "udp", "sctp"]).default("tcp"),
  })
  .strict()
  .openapi("ServicePort", {
    description:
      "Published in host mode on every address of the node running the task (Swarm has no host address to " +
      "publish on): needs the `publicPorts` policy grant.",
  });

const ReplicasSchema = z.number().int().min(0).max(1000);

const UpdateConfigSchema = z
  .object({
    parallelism: z.number().int().min(0).max(1000).default(1),
    delaySeconds: z.number().min(0).max(3600).default(0),
    order: z.enum(["stop-first", "start-first"]).default("stop-first"),
    failureAction: z.enum(["pause", "continue", "rollback"]).default("pause"),
  })
  .strict()
  .openapi("ServiceUpdateConfig", { description: "How an update (and a rollback) replaces the tasks." });

/**
 * What a Swarm service may be created with: portcall's own fields, translated by code and checked by the same
 * create policy as a container's. Unknown keys are refused: no capabilities, sysctls, devices or privileges.
 */
export const ServiceCreateSchema = z
  .object({
    name: z.string().regex(NAME_PATTERN, "must be letters, digits, '_', '.', '-'"),
    image: ImageReferenceSchema,
    replicas: ReplicasSchema.default(1),
    cmd: container.cmd.openapi({ description: "Arguments to the image's entrypoint." }),
    entrypoint: container.entrypoint,
    env: container.env,
    workingDir: container.workingDir,
    user: container.user,
    labels: ObjectLabelsSchema.optional().openapi({ description: "Labels of the service." }),
    containerLabels: ObjectLabelsSchema.optional().openapi({
      description: "Labels of each task's container.",
    }),
    ports: z.array(ServicePortSchema).max(64).optional(),
    constraints: z.array(ConstraintSchema).max(32).optional(),
    limits: container.limits,
    mounts: container.mounts,
    networks: z
      .array(z.string().regex(NAME_PATTERN, "must be a network name"))
      .max(16)
      .optional()
      .openapi({ description: "Networks the tasks join; `host` needs the `hostNetwork` policy grant." }),
    tty: z.boolean().optional(),
    stopGracePeriodSeconds: z.number().int().min(0).max(3600).optional(),
    updateConfig: UpdateConfigSchema.optional(),
    registryAuth: RegistryAuthSchema.optional().openapi({
      description:
        "Credentials for the image's registry, for this call only (never stored); else the registry's stored ones.",
    }),
  })
  .strict()
  .openapi("ServiceCreate", {
    example: {
      name: "web",
      image: "127.0.0.1:5055/portcall/busybox:latest",
      replicas: 2,
      cmd: ["sh", "-c", "while true; do echo hello; sleep 5; done"],
      limits: { memoryBytes: 67108864 },
    },
  });

export type ServiceCreate = z.infer<typeof ServiceCreateSchema>;

/** What an update may change; every field left out keeps its value. */
export const ServiceUpdateSchema = z
  .object({
    image: ImageReferenceSchema.optional(),
    replicas: ReplicasSchema.optional(),
    env: container.env,
    ports: z.array(ServicePortSchema).max(64).optional(),
    labels: ObjectLabelsSchema.optional(),
    constraints: z.array(ConstraintSchema).max(32).optional(),
    limits: container.limits,
    registryAuth: ServiceCreateSchema.shape.registryAuth,
  })
  .strict()
  .openapi("ServiceUpdate", { example: { image: "127.0.0.1:5055/portcall/busybox:1" } });

export type ServiceUpdate = z.infer<typeof ServiceUpdateSchema>;

export const ServiceScaleSchema = z
  .object({ replicas: ReplicasSchema })
  .strict()
  .openapi("ServiceScale", { example: { replicas: 3 } });

export const ServiceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.number().int().openapi({ description: "Swarm's version of the spec; every change moves it." }),
    image: z.string().openapi({ description: "As Swarm pinned it: the reference with its digest." }),
    mode: z.enum(["replicated", "global", "other"]),
    replicas: z.number().int().nullable().openapi({ description: "Null for a global service." }),
    labels: z.record(z.string(), z.string()),
    env: z.record(z.string(), z.string()),
    ports: z.array(
      z
        .object({
          targetPort: z.number().int(),
          publishedPort: z.number().int().nullable(),
          protocol: z.string(),
          publishMode: z.string(),
        })
        .openapi("ServicePublishedPort"),
    ),
    constraints: z.array(z.string()),
    limits: z
      .object({
        memoryBytes: z.number().nullable(),
        cpus: z.number().nullable(),
        pids: z.number().nullable(),
      })
      .openapi("ServiceLimits"),
    previousImage: z.string().nullable().openapi({ description: "The image a rollback returns to, if any." }),
    updateStatus: z
      .object({ state: z.string(), message: z.string() })
      .nullable()
      .openapi("ServiceUpdateStatus", {
        description: "Of the last update or rollback, while Swarm keeps it.",
      }),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi("Service");

export const ServiceListSchema = z.object({ items: z.array(ServiceSchema) }).openapi("ServiceList");

export const TaskSchema = z
  .object({
    id: z.string(),
    serviceId: z.string(),
    slot: z.number().int().nullable(),
    nodeId: z.string().nullable(),
    node: z.string().nullable().openapi({ description: "The node's hostname." }),
    state: z.string().openapi({ example: "running" }),
    desiredState: z.string().openapi({ example: "running" }),
    message: z.string(),
    error: z.string().nullable(),
    image: z.string(),
    containerId: z.string().nullable(),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi("Task");

export const TaskListSchema = z.object({ items: z.array(TaskSchema) }).openapi("TaskList");

export const TaskQuerySchema = z.object({
  state: z
    .enum(["running", "shutdown", "accepted"])
    .optional()
    .openapi({ description: "Only tasks whose desired state is this (Swarm's `desired-state` filter)." }),
});

export const NodeSchema = z
  .object({
    id: z.string(),
    hostname: z.string(),
    role: z.string().openapi({ example: "manager" }),
    availability: z.string().openapi({ example: "active" }),
    state: z.string().openapi({ example: "ready" }),
    address: z.string().nullable(),
    leader: z.boolean(),
    reachability: z.string().nullable(),
    engineVersion: z.string().nullable(),
    cpus: z.number().nullable(),
    memoryBytes: z.number().nullable(),
    labels: z.record(z.string(), z.string()),
  })
  .openapi("Node");

export const NodeListSchema = z.object({ items: z.array(NodeSchema) }).openapi("NodeList");

export type Service = z.infer<typeof ServiceSchema>;
export type Task = z.infer<typeof TaskSchema>;
export type SwarmNode = z.infer<typeof NodeSchema>;
