import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { NetworkMembershipSchema, NetworkParamsSchema } from "../../schemas/volume-network.js";

/** What connecting and disconnecting take alike: the network in the path, the container in the body. */
export const MembershipInputSchema = NetworkParamsSchema.extend({ membership: NetworkMembershipSchema });

export const MEMBERSHIP_ERRORS = [
  ...HOST_CALL_ERRORS,
  "network_not_found",
  "container_not_found",
  "conflict",
  "unsupported_media_type",
  "internal_error",
] as const;
