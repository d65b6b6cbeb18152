/**
 * A stock JS client finds a collection document on a clubsync server and prints its donations.
 *
 *   node read.mjs --url ws://HOST/sync?token=TOKEN --doc automerge:ID [--min-donations N]
 *
 * Waits until at least N donations have arrived (default 1), then prints
 * {url, heads, kind, title, currency, donations}.
 */
import { connect, donations, options, run, until } from "./client.mjs"

const args = options({
  url: {},
  doc: {},
  "min-donations": { default: "1" },
  "timeout-ms": { default: "40000" },
})

run(async () => {
  const { repo } = connect(args.url)
  const handle = await repo.find(args.doc)
  const wanted = Number(args["min-donations"])
  await until(`${wanted} donations`, () => donations(handle.doc()).length >= wanted)
  const doc = handle.doc()
  return {
    url: handle.url,
    heads: handle.heads(),
    kind: String(doc.kind),
    title: String(doc.title),
    currency: String(doc.currency),
    donations: donations(doc),
  }
}, Number(args["timeout-ms"]))
