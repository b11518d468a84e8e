import { removeSoakDaemon } from "./soak-rig.js";

/** The soak suite's daemon lives across its files (each starts it, or finds it up) and goes at the end of the run. */
export default function setup() {
  return async () => {
    if (process.env.PORTCALL_RIG_KEEP !== "1") await removeSoakDaemon();
  };
}
