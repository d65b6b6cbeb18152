/**
 * The reference automerge-repo sync server, as a user would run it: the same set-up as
 * @automerge/automerge-repo-sync-server (a `Repo` with the Node websocket server adapter, Node
 * file storage, a fixed peer id and `sharePolicy: async () => false`, so it never announces a
 * document to a peer that did not ask for it and gives any document to any peer that asks),
 * without express (a bare `node:http` server answers the upgrade on any path).
 *
 * It has no authentication: clubsync-bench connects its devices without tokens.
 *
 *     node server.mjs --port 0 --data DIR
 *
 * Prints `reference-server listening on port N` once it listens and its repo is ready to take
 * connections (N is the real port when `--port 0` asks for any free one). Stops on SIGTERM or
 * SIGINT.
 */
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import { mkdirSync } from "node:fs"
import { createServer } from "node:http"
import { hostname } from "node:os"
import { parseArgs } from "node:util"
import { WebSocketServer } from "ws"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3030" },
    host: { type: "string", default: "127.0.0.1" },
    data: { type: "string", default: ".amrg" },
  },
  strict: true,
})
const port = Number.parseInt(values.port, 10)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`not a port: ${values.port}`)
  process.exit(2)
}
mkdirSync(values.data, { recursive: true })

const wss = new WebSocketServer({ noServer: true })
const repo = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(values.data),
  peerId: `storage-server-${hostname()}`,
  sharePolicy: async () => false,
})

const server = createServer((_request, response) => {
  response.writeHead(200, { "content-type": "text/plain" })
  response.end("automerge-repo reference sync server is running\n")
})
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, ws => wss.emit("connection", ws, request))
})
// The Repo hands the websocket server to its network adapter only once its storage id is
// loaded; a connection accepted before that would never be answered. Listen after it.
while (wss.listenerCount("connection") === 0) {
  await new Promise(resolve => setTimeout(resolve, 10))
}
server.listen(port, values.host, () => {
  console.log(`reference-server listening on port ${server.address().port}`)
})

let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  for (const socket of wss.clients) socket.terminate()
  wss.close()
  server.close()
  // Let pending storage writes finish, but never hang. The cap was 2 s, and on a loaded machine
  // (load average 8, two cores) the final flush sometimes did not finish in time: the restarted
  // server then lacked the last changes and a cold pull failed (1 run in 20 of the bench smoke
  // test). clubsync-bench waits 30 s before it kills the process.
  const cap = new Promise(resolve =>
    setTimeout(() => resolve("cap"), 20000)
  )
  Promise.race([repo.shutdown(), cap]).then(result => {
    if (result === "cap") {
      console.error("reference-server: storage writes did not finish within 20 s; exiting anyway")
    }
  }).finally(() => process.exit(0))
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
