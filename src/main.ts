// `npm start`: the server, as `portcall serve`.
import { loadConfig } from "./config.js";
import { runServer } from "./server.js";
import { exitWithError } from "./startup-errors.js";

try {
  await runServer(loadConfig());
} catch (error) {
  exitWithError(error, "start");
}
