// Another function instance, in a process of its own: it answers one event (read from stdin) with `handler`,
// prints the answer as JSON, and then goes away as an instance does:
//   reclaimed  the process ends at once, as a frozen instance that is never thawed again
//   shutdown   SIGTERM, as the runtime sends before it shuts an instance down: connections are closed first
// Either way its invocation gave back the leases of the runs it started: it watches none once it answered.
//   node --import tsx test/support/lambda-instance.ts reclaimed|shutdown < event.json
import { text } from "node:stream/consumers";
import { lambdaContext } from "./lambda-events.js";

const [mode] = process.argv.slice(2);
if (mode !== "reclaimed" && mode !== "shutdown")
  throw new Error("say how the instance goes: reclaimed or shutdown");
const event = JSON.parse(await text(process.stdin));
const { handler } = await import("../../src/lambda.js");
const answer = await handler(event, lambdaContext());
process.stdout.write(`${JSON.stringify(answer)}\n`, () => {
  if (mode === "reclaimed") process.exit(0);
  else process.kill(process.pid, "SIGTERM");
});
