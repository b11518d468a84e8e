import { isIP } from "node:net";
import { z } from "@hono/zod-openapi";
import { NAME_PATTERN } from "./params.js";
import { plainText } from "./text.js";

/** Docker's reference grammar, tightened: [registry[:port]/]path[:tag][@sha256:digest], at most 255 long. */
export const IMAGE_REFERENCE =
  /^(?=.{1,255}$)(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const ImageReferenceSchema = z
  .string()
  .regex(IMAGE_REFERENCE, "must be an image reference like registry:5000/team/app:1.2 or app@sha256:…")
  .openapi({ example: "127.0.0.1:5055/portcall/busybox:latest" });

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\//, "must be an absolute path")
  .refine((path) => !path.split("/").includes(".."), "must not contain '..'");

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;
const NAME = NAME_PATTERN;

// Shared with exec, which starts a process in a container with the same settings a container starts with.
export const CommandSchema = z.array(z.string().max(32_768)).max(1024);
export const EnvSchema = z.record(
  z.string().regex(ENV_NAME, "must be an environment variable name"),
  z.string().max(32_768),
);
export const WorkingDirSchema = absolutePath;
export const UserSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})?$/, "must be user[:group]");

/** Labels of containers, volumes and networks. */
export const ObjectLabelsSchema = z.record(
  z.string().regex(LABEL_KEY, "must be a label key"),
  plainText().max(4096),
);

const PortSchema = z
  .object({
    containerPort: z.number().int().min(1).max(65535),
    protocol: z.enum(["tcp", "udp", "sctp"]).default("tcp"),
    hostIp: z
      .string()
      .refine((ip) => isIP(ip) !== 0, "must be an IPv4 or IPv6 address")
      .default("127.0.0.1")
      .openapi({
        description:
          "Host address to publish on. Anything but loopback needs the `publicPorts` policy grant.",
      }),
    hostPort: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .optional()
      .openapi({ description: "Omit or 0 for a free port." }),
  })
  .strict()
  .openapi("PortPublish");

const MountSchema = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("volume"),
        source: z.string().regex(NAME, "must be a volume name"),
        target: absolutePath,
        readOnly: z.boolean().default(false),
      })
      .strict(),
    z
      .object({
        type: z.literal("bind"),
        source: absolutePath.openapi({ description: "Host path; needs a `binds` policy grant covering it." }),
        target: absolutePath,
        readOnly: z
          .boolean()
          .default(true)
          .openapi({ description: "Read-only unless the grant allows writing." }),
      })
      .strict(),
    z
      .object({
        type: z.literal("tmpfs"),
        target: absolutePath,
        sizeBytes: z.number().int().positive().optional(),
      })
      .strict(),
  ])
  .openapi("Mount");

/**
 * What a container may be created with: portcall's own, documented fields, translated to Docker's body by code.
 * Unknown keys are refused, so `Privileged`, `CapAdd`, `Devices` and the like cannot be smuggled in.
 */
export const ContainerSpecSchema = z
  .object({
    image: ImageReferenceSchema,
    name: z.string().regex(NAME, "must be letters, digits, '_', '.', '-'").optional(),
    cmd: CommandSchema.optional(),
    entrypoint: CommandSchema.optional(),
    env: EnvSchema.optional(),
    workingDir: WorkingDirSchema.optional(),
    user: UserSchema.optional(),
    labels: ObjectLabelsSchema.optional(),
    ports: z.array(PortSchema).max(256).optional(),
    restartPolicy: z
      .object({
        name: z.enum(["no", "always", "unless-stopped", "on-failure"]),
        maximumRetryCount: z.number().int().min(0).max(1000).optional(),
      })
      .strict()
      .optional(),
    limits: z
      .object({
        memoryBytes: z
          .number()
          .int()
          .min(6 * 1024 * 1024)
          .optional(),
        cpus: z.number().min(0.01).max(1024).optional(),
        pids: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict()
      .optional()
      .openapi({ description: "Without memoryBytes or pids, the server's defaults apply." }),
    mounts: z.array(MountSchema).max(64).optional(),
    network: z
      .string()
      .regex(NAME, "must be a network name")
      .optional()
      .openapi({ description: "`host` needs the `hostNetwork` policy grant." }),
    hostname: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/)
      .optional(),
    tty: z.boolean().optional(),
    stopTimeout: z.number().int().min(0).max(3600).optional(),
    autoRemove: z.boolean().optional(),
  })
  .strict();

export const ContainerCreateSchema = ContainerSpecSchema.extend({
  start: z.boolean().default(false).openapi({ description: "Start it right after creating it." }),
})
  .strict()
  .openapi("ContainerCreate", {
    example: {
      image: "127.0.0.1:5055/portcall/busybox:latest",
      name: "web-1",
      cmd: ["httpd", "-f", "-p", "8080"],
      ports: [{ containerPort: 8080 }],
      limits: { memoryBytes: 67108864 },
      start: true,
    },
  });

export type ContainerSpec = z.infer<typeof ContainerSpecSchema>;
