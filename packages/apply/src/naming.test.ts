import { describe, expect, it } from "vitest";
import { MAX_FIELD_MANAGER, appliedWorkName, fieldManagerFor, workId } from "./naming.js";

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe("appliedWorkName", () => {
  it("is readable and says which Work it is", () => {
    const n = appliedWorkName("https://hub:6443", "cluster1", "web");
    expect(n).toMatch(/^cluster1\.web-[0-9a-f]{10}$/);
    expect(n).toMatch(dns1123Subdomain);
  });

  it("differs between two hubs delivering the same namespace and name", () => {
    expect(appliedWorkName("https://hub-a:6443", "c1", "web")).not.toBe(appliedWorkName("https://hub-b:6443", "c1", "web"));
  });

  it("differs between hub namespaces with the same Work name", () => {
    expect(appliedWorkName("https://h", "a", "web")).not.toBe(appliedWorkName("https://h", "b", "web"));
  });

  it("is stable and ignores a trailing slash in the hub URL", () => {
    expect(appliedWorkName("https://h/", "a", "web")).toBe(appliedWorkName("https://h", "a", "web"));
  });

  it("hashes a name that would be longer than a DNS subdomain", () => {
    const n = appliedWorkName("https://h", "a".repeat(63), "b".repeat(253));
    expect(n.length).toBeLessThanOrEqual(253);
    expect(n).toMatch(/^work-[0-9a-f]{64}$/);
  });
});

describe("fieldManagerFor", () => {
  it("appends the Work id to the base manager", () => {
    const id = workId("https://h", "a", "web");
    expect(fieldManagerFor("work-agent", id)).toBe(`work-agent-${id}`);
  });

  it("never exceeds 128 characters", () => {
    expect(fieldManagerFor("x".repeat(300), "0123456789").length).toBe(MAX_FIELD_MANAGER);
  });
});
