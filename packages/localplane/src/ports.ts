/**
 * Free TCP ports on the loopback interface. The kernel picks them (bind to
 * port 0); all sockets of one request stay open until every port is known, so
 * one call never returns the same port twice.
 */
import { createServer, type Server } from "node:net";

export const LOOPBACK = "127.0.0.1";

function listen(port: number): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => resolvePromise(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

/** True when nothing listens on the port (best effort; someone may take it next). */
export async function isPortFree(port: number): Promise<boolean> {
  try {
    await close(await listen(port));
    return true;
  } catch {
    return false;
  }
}

/**
 * `count` distinct free ports. `preferred` ports (from a previous run) are
 * reused when they are still free, so a warm start keeps its addresses.
 */
export async function freePorts(count: number, preferred: readonly (number | undefined)[] = []): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const want = preferred[i];
      let server: Server | undefined;
      if (want !== undefined && want > 0 && !ports.includes(want)) {
        server = await listen(want).catch(() => undefined);
      }
      server ??= await listen(0);
      servers.push(server);
      const addr = server.address();
      if (addr === null || typeof addr === "string") throw new Error("unexpected listen address");
      ports.push(addr.port);
    }
  } finally {
    await Promise.all(servers.map(close));
  }
  return ports;
}
