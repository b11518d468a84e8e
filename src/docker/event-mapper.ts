import { EVENT_OBJECT_TYPES, type EventObjectType, type HostEvent } from "../schemas/event.js";
import { serviceOf } from "./container-mapper.js";

/** One line of the Engine API's `GET /events`, as far as portcall reads it. */
type EngineEvent = {
  Type?: unknown;
  Action?: unknown;
  Actor?: { ID?: unknown; Attributes?: unknown };
  time?: unknown;
  timeNano?: unknown;
};

/** An event and its exact daemon time, which resuming needs to the nanosecond. */
export type TimedHostEvent = { event: HostEvent; timeNano: bigint };

// A nanosecond time (~1.8e18) is past what a JSON number keeps exactly, so it is read from the line's text.
// Docker writes it last, so a label value that happens to hold the same text cannot be mistaken for it.
const TIME_NANO = /"timeNano":(\d{1,20})\}\s*$/;

function isObjectType(value: unknown): value is EventObjectType {
  return (EVENT_OBJECT_TYPES as readonly unknown[]).includes(value);
}

function stringAttributes(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

function eventTimeNano(line: string, event: EngineEvent): bigint | undefined {
  const exact = TIME_NANO.exec(line)?.[1];
  if (exact) return BigInt(exact);
  return typeof event.time === "number" && Number.isSafeInteger(event.time)
    ? BigInt(event.time) * 1_000_000_000n
    : undefined;
}

/**
 * Docker's action reads `exec_start: sh -c ls` or `health_status: healthy`: the name to filter on, then a detail
 * (with a trailing space, in some versions).
 */
function splitAction(action: string): { action: string; detail?: string } {
  const colon = action.indexOf(":");
  if (colon === -1) return { action: action.trim() };
  const detail = action.slice(colon + 1).trim();
  return { action: action.slice(0, colon).trim(), ...(detail ? { detail } : {}) };
}

function exitCodeOf(attributes: Record<string, string>): number | undefined {
  const code = attributes.exitCode;
  return code !== undefined && /^-?\d{1,10}$/.test(code) ? Number(code) : undefined;
}

/** One line of a daemon's event stream as portcall's event, or undefined for a line that is not one. */
export function parseEngineEvent(hostId: string, line: string): TimedHostEvent | undefined {
  let raw: EngineEvent;
  try {
    raw = JSON.parse(line) as EngineEvent;
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== "object" || !isObjectType(raw.Type) || typeof raw.Action !== "string") {
    return undefined;
  }
  const timeNano = eventTimeNano(line, raw);
  if (timeNano === undefined) return undefined;
  const attributes = stringAttributes(raw.Actor?.Attributes);
  const exitCode = exitCodeOf(attributes);
  const event: HostEvent = {
    type: raw.Type,
    host: hostId,
    ...splitAction(raw.Action),
    id: typeof raw.Actor?.ID === "string" ? raw.Actor.ID : "",
    ...(attributes.name !== undefined ? { name: attributes.name } : {}),
    ...(raw.Type === "container" && attributes.image !== undefined ? { image: attributes.image } : {}),
    ...(raw.Type === "container" ? serviceOf(attributes) : {}),
    attributes,
    time: new Date(Number(timeNano / 1_000_000n)).toISOString(),
    ...(exitCode !== undefined ? { exitCode } : {}),
  };
  return { event, timeNano };
}

/** Docker's `since` as `seconds.nanoseconds`, which it reads to the nanosecond. */
export function toDockerTime(timeNano: bigint): string {
  const seconds = timeNano / 1_000_000_000n;
  const nanos = timeNano % 1_000_000_000n;
  return `${seconds}.${nanos.toString().padStart(9, "0")}`;
}
