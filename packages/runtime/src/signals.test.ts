import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { memoryLogger } from "./logger.js";
import { setupSignalHandler } from "./signals.js";

describe("setupSignalHandler", () => {
  it("aborts on the first signal and force-exits on the second", () => {
    const target = new EventEmitter() as unknown as Pick<NodeJS.Process, "on" | "off">;
    const exits: number[] = [];
    const logger = memoryLogger();
    const h = setupSignalHandler({ target, forceExit: (c) => exits.push(c), logger });
    expect(h.signal.aborted).toBe(false);
    (target as unknown as EventEmitter).emit("SIGTERM", "SIGTERM");
    expect(h.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    (target as unknown as EventEmitter).emit("SIGINT", "SIGINT");
    expect(exits).toEqual([1]);
    h.dispose();
    expect((target as unknown as EventEmitter).listenerCount("SIGTERM")).toBe(0);
    expect(logger.entries.map((e) => e.msg)).toEqual(["Shutdown signal received, stopping (again to force)", "Second shutdown signal, exiting now"]);
  });
});
