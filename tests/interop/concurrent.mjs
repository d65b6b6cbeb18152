/**
 * Two stock JS clients edit one collection concurrently, one of them offline for a while, and
 * converge through the clubsync server.
 *
 *   node concurrent.mjs --url-a ws://HOST/sync?token=A --url-b ws://HOST/sync?token=B
 *                       --device-a DEVICE_OF_A --device-b DEVICE_OF_B
 *                       --club CLUB_DOCUMENT_ID [--offline-ms 1000]
 *
 * 1. A creates the collection with a donation of 100; B finds it.
 * 2. B goes offline (`repo.networkSubsystem.disconnect()`, as an app does) and records 201 and
 *    202; meanwhile A records 301 and 302 and the server saves them.
 * 3. After `offline-ms`, each still sees only its own new donations (B really was offline).
 * 4. B reconnects (`repo.networkSubsystem.reconnect()`); both reach the same heads, and the
 *    server says it holds those heads.
 *
 * Prints {url, whileOffline: {a, b}, a: {heads, amounts}, b: {heads, amounts}}.
 */
import {
  amounts,
  connect,
  newCollection,
  options,
  recordDonation,
  run,
  sleep,
  until,
  untilSame,
  untilServerHas,
  uuidv7,
} from "./client.mjs"

const args = options({
  "url-a": {},
  "url-b": {},
  "device-a": {},
  "device-b": {},
  club: {},
  currency: { default: "GBP" },
  "offline-ms": { default: "1000" },
  "timeout-ms": { default: "40000" },
})

run(async () => {
  const donation = (handle, amountMinor, device) =>
    recordDonation(handle, { amountMinor, currency: args.currency, collector: uuidv7(), device })

  // 1. A creates; B finds.
  const a = connect(args["url-a"])
  const docA = a.repo.create(newCollection({ ...args, title: "Market Square" }))
  donation(docA, 100, args["device-a"])
  await untilServerHas(a.repo, docA)
  const b = connect(args["url-b"])
  const docB = await b.repo.find(docA.url)
  await until("B has the first donation", () => amounts(docB.doc()).length === 1)

  // 2. B offline; both record.
  b.repo.networkSubsystem.disconnect()
  donation(docB, 201, args["device-b"])
  donation(docB, 202, args["device-b"])
  donation(docA, 301, args["device-a"])
  donation(docA, 302, args["device-a"])
  await untilServerHas(a.repo, docA)

  // 3. Apart while B is offline.
  await sleep(Number(args["offline-ms"]))
  const whileOffline = { a: amounts(docA.doc()), b: amounts(docB.doc()) }

  // 4. B back online; convergence through the server.
  b.repo.networkSubsystem.reconnect()
  await untilSame(docA, docB)
  await untilServerHas(a.repo, docA)
  await untilServerHas(b.repo, docB)
  return {
    url: docA.url,
    whileOffline,
    a: { heads: docA.heads(), amounts: amounts(docA.doc()) },
    b: { heads: docB.heads(), amounts: amounts(docB.doc()) },
  }
}, Number(args["timeout-ms"]))
