import { grantedClient } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, jsonResponse } from "../../openapi/responses.js";
import { HostParamsSchema } from "../../schemas/params.js";
import {
  NetworkCreateSchema,
  NetworkListSchema,
  NetworkMembershipSchema,
  NetworkParamsSchema,
  NetworkSchema,
} from "../../schemas/volume-network.js";

const listNetworksRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/networks",
  operationId: "listNetworks",
  tags: ["Networks"],
  summary: "List networks on a host",
  request: { params: HostParamsSchema },
  errors: [...HOST_CALL_ERRORS],
  responses: { 200: jsonResponse(NetworkListSchema, "The networks.") },
});

const inspectNetworkRoute = operation("containers:read", {
  method: "get",
  path: "/v1/hosts/{host}/networks/{network}",
  operationId: "inspectNetwork",
  tags: ["Networks"],
  summary: "Inspect a network",
  request: { params: NetworkParamsSchema },
  errors: [...HOST_CALL_ERRORS, "network_not_found"],
  responses: { 200: jsonResponse(NetworkSchema, "The network, with its containers.") },
});

const createNetworkRoute = operation("containers:write", {
  method: "post",
  path: "/v1/hosts/{host}/networks",
  operationId: "createNetwork",
  tags: ["Networks"],
  summary: "Create a bridge network",
  request: {
    params: HostParamsSchema,
    body: { content: { "application/json": { schema: NetworkCreateSchema } }, required: true },
  },
  errors: [...HOST_CALL_ERRORS, "conflict", "unsupported_media_type"],
  responses: { 201: jsonResponse(NetworkSchema, "The network.") },
});

const removeNetworkRoute = operation("containers:write", {
  method: "delete",
  path: "/v1/hosts/{host}/networks/{network}",
  operationId: "removeNetwork",
  tags: ["Networks"],
  summary: "Remove a network",
  request: { params: NetworkParamsSchema },
  errors: [...HOST_CALL_ERRORS, "network_not_found", "conflict"],
  responses: { 204: { description: "Removed." } },
});

const membership = (verb: "connect" | "disconnect", summary: string) =>
  operation("containers:write", {
    method: "post",
    path: `/v1/hosts/{host}/networks/{network}/${verb}`,
    operationId: verb === "connect" ? "connectNetwork" : "disconnectNetwork",
    tags: ["Networks"],
    summary,
    request: {
      params: NetworkParamsSchema,
      body: { content: { "application/json": { schema: NetworkMembershipSchema } }, required: true },
    },
    errors: [
      ...HOST_CALL_ERRORS,
      "network_not_found",
      "container_not_found",
      "conflict",
      "unsupported_media_type",
    ],
    responses: { 204: { description: "Done." } },
  });

const connectRoute = membership("connect", "Connect a container to a network");
const disconnectRoute = membership("disconnect", "Disconnect a container from a network");

export function registerNetworks(app: App): void {
  app.openapi(listNetworksRoute, async (c) => {
    const host = await grantedClient(c, c.req.valid("param").host);
    return c.json({ items: await host.listNetworks({ signal: c.req.raw.signal }) }, 200);
  });
  app.openapi(inspectNetworkRoute, async (c) => {
    const { host: hostId, network } = c.req.valid("param");
    return c.json(
      await (await grantedClient(c, hostId)).inspectNetwork(network, { signal: c.req.raw.signal }),
      200,
    );
  });
  app.openapi(createNetworkRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const spec = c.req.valid("json");
    c.set("audit", { operationId: "createNetwork", host: hostId, target: spec.name });
    return c.json(
      await (await grantedClient(c, hostId)).createNetwork(spec, { signal: c.req.raw.signal }),
      201,
    );
  });
  app.openapi(removeNetworkRoute, async (c) => {
    const { host: hostId, network } = c.req.valid("param");
    c.set("audit", { operationId: "removeNetwork", host: hostId, target: network });
    await (await grantedClient(c, hostId)).removeNetwork(network, { signal: c.req.raw.signal });
    return c.body(null, 204);
  });
  app.openapi(connectRoute, async (c) => {
    const { host: hostId, network } = c.req.valid("param" as never) as { host: string; network: string };
    const { container, aliases } = c.req.valid("json" as never) as { container: string; aliases?: string[] };
    await (await grantedClient(c, hostId)).connectNetwork(network, container, aliases, {
      signal: c.req.raw.signal,
    });
    return c.body(null, 204);
  });
  app.openapi(disconnectRoute, async (c) => {
    const { host: hostId, network } = c.req.valid("param" as never) as { host: string; network: string };
    const { container } = c.req.valid("json" as never) as { container: string };
    await (await grantedClient(c, hostId)).disconnectNetwork(network, container, {
      signal: c.req.raw.signal,
    });
    return c.body(null, 204);
  });
}
