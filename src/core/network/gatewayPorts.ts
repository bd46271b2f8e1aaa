/**
 * Where the gateway listens for each port the sandbox dials (the guard's DNAT rewrites the port
 * too): ports below 1024 move to 15000 + port, so the gateway needs no capability to bind them;
 * the others stay. Ports that would collide with a moved one (15000–16023) are refused as
 * `name:port` entries by the policy validation (policy.ts).
 */
export const GATEWAY_DNS_PORT = 15053;
export const RESERVED_PORTS = { from: 15000, to: 16023 } as const;

export function gatewayListenPort(port: number): number {
  return port < 1024 ? 15000 + port : port;
}
