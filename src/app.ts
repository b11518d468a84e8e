import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { auditTrail } from "./audit/audit-trail.js";
import { serveOperations } from "./channels/http/serve-catalog.js";
import { CATALOG } from "./core/catalog.js";
import type { AppEnv, Services } from "./env.js";
import { onError, onNotFound } from "./errors/problem.js";
import { validationHook } from "./errors/validation.js";
import { accessLog } from "./middleware/access-log.js";
import { buildOpenApiDocument } from "./openapi/document.js";
import { BEARER_SCHEME } from "./openapi/operation.js";
import { registerContainerActions } from "./routes/containers/container-actions.js";
import { registerContainerLogs } from "./routes/containers/container-logs.js";
import { registerContainerStats } from "./routes/containers/container-stats.js";
import { registerCreateContainer } from "./routes/containers/create-container.js";
import { registerExecContainer } from "./routes/containers/exec-container.js";
import { registerInspectContainer } from "./routes/containers/inspect-container.js";
import { registerListContainers } from "./routes/containers/list-containers.js";
import { registerRemoveContainer } from "./routes/containers/remove-container.js";
import { registerRenameContainer } from "./routes/containers/rename-container.js";
import { registerTopContainer } from "./routes/containers/top-container.js";
import { registerWaitContainer } from "./routes/containers/wait-container.js";
import { registerDocs } from "./routes/docs/docs-page.js";
import { registerListFleetContainers } from "./routes/fleet/list-fleet-containers.js";
import { registerListFleetImages } from "./routes/fleet/list-fleet-images.js";
import { registerStreamEvents } from "./routes/fleet/stream-events.js";
import { registerBuildImage } from "./routes/images/build-image.js";
import { registerImageQueries } from "./routes/images/image-queries.js";
import { registerPullImage } from "./routes/images/pull-image.js";
import { registerPushImage } from "./routes/images/push-image.js";
import { registerNetworks } from "./routes/networks/networks.js";
import { registerRegistries } from "./routes/registries/registries.js";
import { registerCancelRun } from "./routes/runs/cancel-run.js";
import { registerCreateRun } from "./routes/runs/create-run.js";
import { registerGetRun } from "./routes/runs/get-run.js";
import { registerListRuns } from "./routes/runs/list-runs.js";
import { registerRunLogs } from "./routes/runs/run-logs.js";
import { registerWaitRun } from "./routes/runs/wait-run.js";
import { registerVolumes } from "./routes/volumes/volumes.js";

/** Builds the whole HTTP API around its services. Pure: no I/O happens until a request arrives. */
export function createApp(services: Services): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId({ headerName: "X-Request-Id", limitLength: 128 }));
  app.use(async (c, next) => {
    c.set("services", services);
    await next();
  });
  app.use(accessLog);
  app.use(auditTrail);
  // Bodies are read only by operations, after authentication, under their declared types and limits
  // (src/middleware/request-body.ts).
  app.onError(onError);
  app.notFound(onNotFound);

  serveOperations(app, CATALOG.health);
  serveOperations(app, CATALOG.hosts);
  registerCreateRun(app);
  registerListRuns(app);
  registerGetRun(app);
  registerWaitRun(app);
  registerCancelRun(app);
  registerRunLogs(app);
  registerListContainers(app);
  registerInspectContainer(app);
  registerCreateContainer(app);
  registerContainerActions(app);
  registerRemoveContainer(app);
  registerRenameContainer(app);
  registerTopContainer(app);
  registerWaitContainer(app);
  registerExecContainer(app);
  registerContainerLogs(app);
  registerContainerStats(app);
  registerImageQueries(app);
  registerPullImage(app);
  registerPushImage(app);
  registerBuildImage(app);
  registerVolumes(app);
  registerNetworks(app);
  registerRegistries(app);
  serveOperations(app, CATALOG.tokens);
  serveOperations(app, CATALOG.audit);
  registerListFleetContainers(app);
  registerListFleetImages(app);
  registerStreamEvents(app);

  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A portcall token (`portcall token create`, POST /v1/tokens) or a token of the configured OIDC issuer.",
  });

  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= buildOpenApiDocument(app);
    return c.json(document);
  });
  registerDocs(app);
  return app;
}
