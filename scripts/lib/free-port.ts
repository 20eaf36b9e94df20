import { createServer } from "node:net";

/**
 * A port nobody listens on right now on 127.0.0.1 (the OS picks it for a
 * throwaway listener), for servers whose URL must be known before they start.
 */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
