/**
 * A stock JS client creates a street collection on a clubsync server and records donations in it.
 *
 *   node create.mjs --url ws://HOST/sync?token=TOKEN --device DEVICE_ID --club CLUB_DOCUMENT_ID
 *                   [--title T] [--currency GBP] [--donation 250 --donation 1000 ...]
 *
 * DEVICE_ID is the token's device (from `POST /api/join`): the server refuses a record that
 * names another device.
 *
 * Prints {url, documentId, heads, donations} once the server has said it holds every change.
 */
import { connect, donations, newCollection, options, recordDonation, run, untilServerHas, uuidv7 } from "./client.mjs"

const args = options({
  url: {},
  device: {},
  club: {},
  title: { default: "High Street, 14 March" },
  currency: { default: "GBP" },
  donation: { multiple: true, default: [] },
  "timeout-ms": { default: "40000" },
})

run(async () => {
  const { repo } = connect(args.url)
  const handle = repo.create(newCollection(args))
  const collector = uuidv7()
  for (const amount of args.donation) {
    recordDonation(handle, {
      amountMinor: Number(amount),
      currency: args.currency,
      collector,
      device: args.device,
    })
  }
  await untilServerHas(repo, handle)
  return {
    url: handle.url,
    documentId: handle.documentId,
    heads: handle.heads(),
    donations: donations(handle.doc()),
  }
}, Number(args["timeout-ms"]))
