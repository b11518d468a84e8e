import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { RenameSchema } from "../../schemas/container-actions.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { defineOperation } from "../operation.js";

export const renameContainer = defineOperation({
  name: "renameContainer",
  scope: "containers:write",
  tags: ["Containers"],
  summary: "Rename a container",
  description: "A name another container has is 409 `conflict`.",
  input: ContainerParamsSchema.extend({ rename: RenameSchema }),
  output: undefined,
  errors: [
    ...HOST_CALL_ERRORS,
    "container_not_found",
    "conflict",
    "unsupported_media_type",
    "internal_error",
  ],
  http: {
    method: "post",
    path: "/v1/hosts/{host}/containers/{id}/rename",
    body: "rename",
    responses: { 204: "Renamed." },
  },
  async run(ctx, { host: hostId, id, rename }) {
    const host = await grantedClient(ctx, hostId);
    await host.renameContainer(id, rename.name, { signal: ctx.signal });
    return undefined;
  },
});
