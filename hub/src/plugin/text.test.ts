import { describe, expect, it } from "vitest";
import { ELLIPSIS, layoutRows, paint, renderTable, sanitize, truncate, wrap } from "./text.js";

describe("paint", () => {
  it("adds ANSI colour only when colour is on", () => {
    expect(paint("ok", "ok", false)).toBe("ok");
    expect(paint("ok", "ok", true)).toBe("\u001b[32mok\u001b[0m");
    expect(paint("ok", undefined, true)).toBe("ok");
  });
});

describe("sanitize", () => {
  it("drops control characters (terminal escapes from server data) but keeps newlines", () => {
    expect(sanitize("a\u001b[31mred\u0007\tb\r\nc")).toBe("a[31mred b\nc");
  });
});

describe("truncate", () => {
  it("cuts with an ellipsis only when needed", () => {
    expect(truncate("abcdef", 10)).toBe("abcdef");
    expect(truncate("abcdef", 4)).toBe(`abc${ELLIPSIS}`);
    expect(truncate("abcdef", 0)).toBe("abcdef");
  });
});

describe("wrap", () => {
  it("fills lines greedily on word boundaries", () => {
    expect(wrap("the quick brown fox jumps over the lazy dog", 15)).toEqual(["the quick brown", "fox jumps over", "the lazy dog"]);
  });
  it("splits words longer than the width", () => {
    expect(wrap("aaaaaaaaaa bb", 4)).toEqual(["aaaa", "aaaa", "aa", "bb"]);
  });
  it("keeps the message's own line breaks and drops trailing blank lines", () => {
    expect(wrap("first\nsecond line\n", 40)).toEqual(["first", "second line"]);
  });
  it("trims to maxLines with an ellipsis", () => {
    const out = wrap("one two three four five six seven eight", 9, 2);
    expect(out).toEqual(["one two", `three${ELLIPSIS}`]);
    const full = wrap("aaaa bbbb cccc", 4, 2);
    expect(full).toEqual(["aaaa", `bbb${ELLIPSIS}`]);
  });
  it("does not wrap with width 0", () => {
    expect(wrap("a  b   c", 0)).toEqual(["a b c"]);
  });
  it("gives one empty line for an empty message", () => {
    expect(wrap("", 10)).toEqual([""]);
  });
});

describe("renderTable", () => {
  it("aligns columns three spaces apart and trims trailing spaces", () => {
    const lines = renderTable(["NAME", "STATUS", "MESSAGE"], [["a", "True", ""], ["longer", "False", "msg"]], { color: false });
    expect(lines).toEqual(["NAME     STATUS   MESSAGE", "a        True", "longer   False    msg"]);
  });
  it("keeps alignment when cells are coloured", () => {
    const lines = renderTable(["A", "B"], [[{ text: "x", tone: "ok" }, "1"], ["yyyy", "2"]], { color: true });
    expect(lines[1]).toBe("\u001b[32mx   \u001b[0m   1");
    expect(lines[2]).toBe("yyyy   2");
  });
  it("wraps the last column under itself, within the width", () => {
    const lines = renderTable(["T", "MESSAGE"], [["x", "one two three four five six"]], { color: false, indent: "  ", width: 16, minLastWidth: 5 });
    expect(lines).toEqual(["  T   MESSAGE", "  x   one two", "      three four", "      five six"]);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(16);
  });
});

describe("layoutRows", () => {
  it("returns each row's lines and honours custom gaps", () => {
    const rows = layoutRows([["✓", "Applied", "m"], ["✗", "Available", "n"]], { color: false, gaps: [1] });
    expect(rows).toEqual([["✓ Applied     m"], ["✗ Available   n"]]);
  });
});
