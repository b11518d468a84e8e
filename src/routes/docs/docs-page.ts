import type { Context } from "hono";
import type { AppEnv } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { docsAsset } from "./swagger-ui-assets.js";

// Relative URLs, so the page also works behind a proxy that serves portcall under a path prefix.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>portcall API reference</title>
<link rel="icon" type="image/png" href="docs/assets/favicon.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/start.js"></script>
</body>
</html>
`;

/**
 * Only this origin, for everything, with one exception: `data:` images, since Swagger UI's stylesheet draws its
 * icons as data: SVGs. No inline script or style: the page starts Swagger UI from a file of ours, and the UI
 * sets styles through the DOM, which a CSP does not restrict (the browser test fails on any CSP refusal).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** `GET /docs`: the API reference (Swagger UI over /openapi.json), public and served from installed packages only. */
export function docsPage(c: Context<AppEnv>): Response {
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  return c.html(PAGE);
}

/** `GET /docs/assets/{name}`: one file of the page's fixed list, anything else a 404. */
export async function docsAssetFile(c: Context<AppEnv>): Promise<Response> {
  const name = c.req.param("name") ?? "";
  const asset = docsAsset(name);
  if (!asset) throw new ApiError("not_found", `The docs page has no asset "${name}".`);
  c.header("Content-Type", asset.type);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Cache-Control", "public, max-age=3600");
  return c.body(await asset.load());
}
