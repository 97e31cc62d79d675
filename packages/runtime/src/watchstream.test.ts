import { describe, expect, it } from "vitest";
import { WatchDecodeError, WatchDecoder, parseWatchLine } from "./watchstream.js";

const ev = (type: string, name: string) => JSON.stringify({ type, object: { metadata: { name } } });

describe("WatchDecoder", () => {
  it("decodes events split at arbitrary points across chunks", () => {
    const text = `${ev("ADDED", "a")}\n${ev("MODIFIED", "b")}\n${ev("DELETED", "c")}\n`;
    for (let size = 1; size <= text.length; size += 7) {
      const d = new WatchDecoder();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...d.push(text.slice(i, i + size)));
      out.push(...d.end());
      expect(out.map((e) => `${e.type}:${(e.object as { metadata: { name: string } }).metadata.name}`)).toEqual(["ADDED:a", "MODIFIED:b", "DELETED:c"]);
    }
  });

  it("handles multi-byte characters split between buffers", () => {
    const buf = Buffer.from(`${ev("ADDED", "naïve-€")}\n`, "utf8");
    const euro = buf.indexOf(Buffer.from("€"));
    const d = new WatchDecoder();
    const out = [...d.push(buf.subarray(0, euro + 1)), ...d.push(buf.subarray(euro + 1))];
    expect((out[0]?.object as { metadata: { name: string } }).metadata.name).toBe("naïve-€");
  });

  it("decodes a final line without newline at end, skips blank lines", () => {
    const d = new WatchDecoder();
    expect(d.push(`\n\n${ev("BOOKMARK", "x")}`)).toEqual([]);
    expect(d.end().map((e) => e.type)).toEqual(["BOOKMARK"]);
  });

  it("passes ERROR events with their Status", () => {
    const e = parseWatchLine(JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } }));
    expect(e.type).toBe("ERROR");
    expect(e.object).toMatchObject({ code: 410 });
  });

  it("rejects malformed lines", () => {
    expect(() => parseWatchLine("{nope")).toThrow(WatchDecodeError);
    expect(() => parseWatchLine('{"type":"WHAT","object":{}}')).toThrow(/unexpected watch event/);
    expect(() => parseWatchLine("3")).toThrow(/not an object/);
  });
});
