/**
 * A stock JS client holding a volunteer's token tries to rewrite the club's money: what a stolen
 * phone, a buggy app or anyone with a token could send. The server must refuse it.
 *
 *   node forge.mjs --url ws://HOST/sync?token=TOKEN --device DEVICE_ID --doc automerge:ID
 *                  --attack delete|rewrite|negative [--wait-ms 5000]
 *
 * Finds the collection, waits for its first two donations, then makes one ordinary
 * `handle.change`:
 * - `delete`: deletes the first donation;
 * - `rewrite`: sets the second donation's amount to 1 (1p);
 * - `negative`: records a new card donation of -500 under its own device id.
 * Waits until the server drops the connection (the client hears `peer-disconnected`), or
 * `wait-ms`. Prints {attack, disconnected, local}: `local` is what the forger's own copy now
 * shows (the forgery is only there).
 */
import { ImmutableString } from "@automerge/automerge-repo"
import { amounts, connect, donations, options, run, sleep, until, uuidv7 } from "./client.mjs"

const args = options({
  url: {},
  device: {},
  doc: {},
  attack: {},
  "wait-ms": { default: "5000" },
  "timeout-ms": { default: "40000" },
})

run(async () => {
  const { repo, adapter } = connect(args.url)
  let disconnected = false
  adapter.on("peer-disconnected", () => (disconnected = true))
  const handle = await repo.find(args.doc)
  await until("two donations", () => donations(handle.doc()).length >= 2)
  const [first, second] = donations(handle.doc())
  handle.change(doc => {
    switch (args.attack) {
      case "delete":
        delete doc.donations[first.id]
        break
      case "rewrite":
        doc.donations[second.id].amount_minor = 1
        break
      case "negative":
        doc.donations[uuidv7()] = {
          source: new ImmutableString("card"),
          amount_minor: -500,
          currency: new ImmutableString(first.currency),
          at: Date.now(),
          collector: new ImmutableString(first.collector),
          device: new ImmutableString(args.device),
        }
        break
      default:
        throw new Error(`unknown --attack ${args.attack}`)
    }
  })
  const deadline = Date.now() + Number(args["wait-ms"])
  while (!disconnected && Date.now() < deadline) await sleep(20)
  return { attack: args.attack, disconnected, local: amounts(handle.doc()) }
}, Number(args["timeout-ms"]))
