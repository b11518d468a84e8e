import { canUseHost } from "../../auth/principal.js";
import { ApiError } from "../../errors/api-error.js";
import { HostCreateSchema, HostSchema } from "../../schemas/host.js";
import { checkMayLabel, hostActor } from "../access.js";
import { defineOperation } from "../operation.js";
import { presentHost } from "./present.js";

export const createHost = defineOperation({
  name: "createHost",
  scope: "hosts:write",
  tags: ["Hosts"],
  summary: "Register a Docker host",
  description:
    "Registers a daemon reached by `unix://` socket, `tcp://` with mutual TLS, or `ssh://` with a key and a known " +
    "host key. Settings are checked (certificates parse, key matches certificate, socket is readable) before " +
    "anything is stored; private keys and passphrases are encrypted at rest and never returned. The host is not " +
    "contacted: its `status` fills in with the next probe. A non-admin token registers only TLS or SSH hosts, by " +
    "an IP address outside loopback, link-local and metadata ranges (or what `PORTCALL_HOST_ALLOW` allows), sets " +
    "labels only with `hosts:label`, and the host is marked as its subject's (`owner`).",
  input: HostCreateSchema,
  output: HostSchema,
  errors: ["invalid_request", "forbidden", "host_exists", "unsupported_media_type", "internal_error"],
  audit: (input) => ({ host: input.id, target: null }),
  http: {
    method: "post",
    path: "/v1/hosts",
    body: "input",
    responses: { 201: "The host was registered." },
    location: (host) => `/v1/hosts/${host.id}`,
  },
  async run({ principal, services }, input) {
    checkMayLabel(principal, input.id, input.labels);
    if (!canUseHost(principal, { id: input.id, labels: input.labels ?? {} })) {
      throw new ApiError(
        "forbidden",
        `The token's host grants do not cover a host "${input.id}" with these labels.`,
      );
    }
    const record = await services.hosts.create(input, "api", hostActor(principal));
    return presentHost(services, record);
  },
});
