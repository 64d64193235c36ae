import net from 'node:net';

let installed = false;

/**
 * Turns off Nagle's algorithm on the Neo4j driver's sockets (idempotent), so that a Bolt message larger than one TCP
 * segment does not wait for the server's delayed ACK: neo4j-driver 5 offers no socket option, so this wraps the
 * setKeepAlive(true) it calls on every socket to also set TCP_NODELAY (Node's http sets it already).
 */
export function enableTcpNoDelay(): void {
  if (installed) return;
  installed = true;
  const original = net.Socket.prototype.setKeepAlive;
  net.Socket.prototype.setKeepAlive = function setKeepAliveAndNoDelay(this: net.Socket, ...args: Parameters<net.Socket['setKeepAlive']>) {
    this.setNoDelay(true);
    return original.apply(this, args);
  };
}
