import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, formatPrettyLine, memoryLogger, noopLogger } from "./logger.js";

function sink(): { stream: Writable; text: () => string } {
  let buf = "";
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      buf += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => buf };
}

describe("createLogger", () => {
  it("writes JSON lines with name, fields and serialized errors, honouring the level", () => {
    const s = sink();
    const log = createLogger({ name: "agent", level: "info", destination: s.stream });
    log.debug("hidden");
    log.child({ controller: "work" }).info({ key: "ns/a", err: new Error("boom") }, "Reconciler error");
    const lines = s.text().trim().split("\n");
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] as string);
    expect(rec).toMatchObject({ name: "agent", controller: "work", key: "ns/a", msg: "Reconciler error", level: 30 });
    expect(rec.err.message).toBe("boom");
  });

  it("writes pretty lines when asked", () => {
    const s = sink();
    createLogger({ name: "hub", pretty: true, destination: s.stream }).warn({ n: 2, s: "a b" }, "Something");
    expect(s.text()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  hub: Something n=2 s="a b"\n$/);
    expect(formatPrettyLine("not json")).toBe("not json");
  });
});

describe("test loggers", () => {
  it("memoryLogger captures entries with child bindings; noopLogger discards", () => {
    const m = memoryLogger();
    m.child({ a: 1 }).warn({ b: 2 }, "msg");
    m.info("plain");
    expect(m.entries).toEqual([
      { level: "warn", msg: "msg", fields: { a: 1, b: 2 } },
      { level: "info", msg: "plain", fields: {} },
    ]);
    expect(() => noopLogger.child({}).error("x")).not.toThrow();
  });
});
