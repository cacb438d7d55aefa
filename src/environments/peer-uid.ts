/**
 * Who is on the other end of a loopback TCP connection: the kernel's socket table
 * (/proc/net/tcp) records the owning uid of every socket. Each sandboxed environment runs as a
 * uid of its own, so a Runtime API listener can refuse connections from any other environment.
 */
import { readFileSync } from 'node:fs';

const hexPort = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** The uid owning the client socket 127.0.0.1:clientPort → 127.0.0.1:serverPort, if the kernel lists it. */
export function loopbackPeerUid(clientPort: number, serverPort: number): number | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  const local = `:${hexPort(clientPort)} `;
  const remote = `:${hexPort(serverPort)} `;
  for (const line of table.split('\n')) {
    // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid ..."
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    if (`${cols[1]} `.endsWith(local) && `${cols[2]} `.endsWith(remote)) return Number(cols[7]);
  }
  return undefined;
}
