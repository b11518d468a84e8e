import { errors } from "jose";
import { ApiError } from "../errors/api-error.js";

/** Why a bearer token was refused, in words a caller can act on; never the token itself. */
export function invalidToken(description: string, cause?: unknown): ApiError {
  return new ApiError("invalid_token", `The bearer token is not valid: ${description}.`, { cause });
}

export function describeJoseError(error: unknown): ApiError {
  if (error instanceof errors.JWTExpired) return invalidToken("it has expired", error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    const reason = claim === "nbf" ? "it is not valid yet" : `its "${claim}" claim is missing or wrong`;
    return invalidToken(reason, error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return invalidToken("its algorithm is not accepted", error);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return invalidToken("its signature does not verify", error);
  if (error instanceof errors.JWKSNoMatchingKey) return invalidToken("no known key signed it", error);
  if (error instanceof errors.JOSEError) return invalidToken("it is malformed", error);
  return invalidToken("it could not be verified", error);
}
