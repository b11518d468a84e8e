import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

// Debian's `chromium` package (.ci/run installs it with the rig's packages); playwright-core brings no browser.
const CHROMIUM = process.env.PORTCALL_CHROMIUM ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set PORTCALL_CHROMIUM).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      // Chromium's sandbox refuses to start as root, which is how the tests run.
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
      // Belt and braces under the page's own request check: the browser resolves no name but loopback's,
      // so nothing it does in the background can leave this machine either.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
}

/**
 * A page whose every request to anywhere but 127.0.0.1 is aborted before it leaves, and written down in
 * `outside`, so a test can fail on the attempt itself. Console errors (a CSP refusal among them) and uncaught
 * exceptions go to `errors`.
 */
export async function offlinePage(browser: Browser): Promise<{
  page: Page;
  outside: string[];
  errors: string[];
}> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const outside: string[] = [];
  const errors: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).hostname === "127.0.0.1") return route.continue();
    outside.push(url);
    return route.abort("blockedbyclient");
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return { page, outside, errors };
}
