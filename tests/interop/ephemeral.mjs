/**
 * Ephemeral messages (presence: "I am at the station entrance") between stock JS clients: they
 * pass between two clients of one club, and never reach a client of another club.
 *
 *   node ephemeral.mjs --url-a ws://HOST/sync?token=A --url-b ws://HOST/sync?token=B
 *                      --url-other ws://HOST/sync?token=C --doc automerge:ID
 *
 * A and B (one club) open the document; the other club's client asks for it too and listens to
 * every message its network delivers. A broadcasts until B has heard it, then everyone waits a
 * little longer. Prints {b, other, otherOutcome}: what B heard, every ephemeral message the
 * other club's client received (for any document), and how its find() ended.
 */
import { connect, options, run, sleep, until } from "./client.mjs"

const args = options({
  "url-a": {},
  "url-b": {},
  "url-other": {},
  doc: {},
  "timeout-ms": { default: "40000" },
})

run(async () => {
  const a = connect(args["url-a"])
  const b = connect(args["url-b"])
  const other = connect(args["url-other"])

  const heardByOther = []
  other.repo.networkSubsystem.on("message", message => {
    if (message.type === "ephemeral") heardByOther.push(message)
  })
  const otherOutcome = other.repo.find(args.doc).then(
    () => "found",
    error => (String(error?.message).includes("unavailable") ? "unavailable" : `error: ${error?.message}`)
  )

  const docA = await a.repo.find(args.doc)
  const docB = await b.repo.find(args.doc)
  const heardByB = []
  docB.on("ephemeral-message", ({ message }) => heardByB.push(message))

  // Ephemeral messages are best effort: repeat until B has heard one.
  await until("B hears A", () => {
    docA.broadcast({ text: "at the station entrance" })
    return heardByB.length > 0
  })
  await sleep(500)
  return {
    b: heardByB,
    other: heardByOther.map(m => ({ documentId: m.documentId, senderId: m.senderId })),
    otherOutcome: await Promise.race([otherOutcome, sleep(5000).then(() => "timeout")]),
  }
}, Number(args["timeout-ms"]))
