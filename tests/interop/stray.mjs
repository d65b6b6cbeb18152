/**
 * A stock JS client that also holds a document clubsync does not store keeps syncing its club
 * records. `repo.create()` with no initial value makes such a document (its first change is
 * empty, with no clubsync `kind`); the client offers it to the server like any other.
 *
 *   node stray.mjs --url ws://HOST/sync?token=TOKEN --device DEVICE_ID --club CLUB_DOCUMENT_ID
 *
 * Prints {url, heads, amounts, strayUrl, strayOutcome} once the server holds the collection's
 * donation recorded after the stray document was made; `strayOutcome` is how a fresh client's
 * find() of the stray document ended ("unavailable": the server did not keep it).
 */
import { amounts, connect, newCollection, options, recordDonation, run, untilServerHas, uuidv7 } from "./client.mjs"

const args = options({
  url: {},
  device: {},
  club: {},
  "timeout-ms": { default: "40000" },
})

run(async () => {
  const { repo } = connect(args.url)
  const collection = repo.create(newCollection({ club: args.club, title: "Park Gate", currency: "GBP" }))
  await untilServerHas(repo, collection)

  const stray = repo.create()
  stray.change(doc => {
    doc.note = "not a club record"
  })
  recordDonation(collection, { amountMinor: 700, currency: "GBP", collector: uuidv7(), device: args.device })
  await untilServerHas(repo, collection)

  const fresh = connect(args.url)
  const strayOutcome = await fresh.repo.find(stray.url).then(
    () => "found",
    error => (String(error?.message).includes("unavailable") ? "unavailable" : `error: ${error?.message}`)
  )
  return {
    url: collection.url,
    heads: collection.heads(),
    amounts: amounts(collection.doc()),
    strayUrl: stray.url,
    strayOutcome,
  }
}, Number(args["timeout-ms"]))
