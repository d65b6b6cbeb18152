/**
 * A stock JS client that must get nothing: no token, a wrong token, or a token of another club.
 *
 *   node refused.mjs --url ws://HOST/sync[?token=T] --doc automerge:ID [--wait-ms 5000]
 *
 * Asks for the document and waits at most `wait-ms`. Prints
 * {outcome, joined, connectionErrors, donations}: `outcome` is "unavailable" (find() rejected),
 * "timeout" (nothing came) or "found"; `joined` says whether the server answered the handshake;
 * `connectionErrors` are the websocket errors the client met (a refused upgrade). Exits 1 when
 * the document was found.
 */
import { connect, donations, options, run, sleep } from "./client.mjs"

const args = options({
  url: {},
  doc: {},
  "wait-ms": { default: "5000" },
  "timeout-ms": { default: "40000" },
})

// A refused websocket upgrade (HTTP 401) reaches the stock Node adapter as an error event that
// it re-throws from inside the `ws` event handler, so it surfaces here, not at find().
const connectionErrors = []
process.on("uncaughtException", error => connectionErrors.push(String(error?.message ?? error)))

run(async () => {
  const { repo, adapter } = connect(args.url)
  let joined = false
  adapter.on("peer-candidate", () => (joined = true))
  const found = repo.find(args.doc).then(
    handle => ({ outcome: "found", donations: donations(handle.doc()) }),
    error => ({ outcome: String(error?.message).includes("unavailable") ? "unavailable" : `error: ${error?.message}` })
  )
  const result = await Promise.race([
    found,
    sleep(Number(args["wait-ms"])).then(() => ({ outcome: "timeout" })),
  ])
  return {
    outcome: result.outcome,
    joined,
    connectionErrors,
    donations: result.donations ?? [],
    exitCode: result.outcome === "found" ? 1 : 0,
  }
}, Number(args["timeout-ms"]))
