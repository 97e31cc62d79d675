import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { LOOPBACK, freePorts, isPortFree } from "./ports.js";

describe("freePorts", () => {
  it("returns distinct ports that can be bound", async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(await isPortFree(p)).toBe(true);
  });

  it("reuses a preferred port when free and replaces a busy one", async () => {
    const [free] = await freePorts(1);
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, LOOPBACK, () => r()));
    const busyPort = (busy.address() as { port: number }).port;
    try {
      const ports = await freePorts(2, [free, busyPort]);
      expect(ports[0]).toBe(free);
      expect(ports[1]).not.toBe(busyPort);
    } finally {
      busy.close();
    }
  });
});
