// One hidden class for every client socket, whatever its first answer was.
//
// Node adds some of a socket's properties lazily: `_peername` when something first reads
// `remoteAddress`, `timeout` when the server arms the keep-alive timer after a response. Forwarding
// reads the address (X-Forwarded-For) before the response ends; a denial never reads it. So a
// connection whose first request was denied gets its properties in another order, hence another
// V8 map, and the stream and socket code every proxied request runs (cork, write, read, resume)
// goes from polymorphic to megamorphic for the rest of the process's life. Issue 6 counted it with
// callgrind: after 5 000 requests without a token, every later proxied request cost ~1.6 % more
// instructions (warm route 252.8k → 256.9k, unprotected 234.5k → 238.2k), mostly in V8's
// megamorphic load and store stubs; with the address read here, at connection time, 251.3k →
// 251.6k and 233.1k → 233.0k.
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

export function giveClientSocketsOneShape(server: Server): void {
  server.on('connection', readPeerAddress)
}

function readPeerAddress(socket: Socket): void {
  // The getter caches the address on the socket: that property is what this is for.
  void socket.remoteAddress
}
