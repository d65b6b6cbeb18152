/**
 * Other phones of the club see new records as they are made, without reloading:
 *
 * - Lee's phone takes a tin: Park's phone (another member) stops offering that tin;
 * - Lee's phone records donations: Park's collection screen shows them in the whole
 *   collection's figures (collection-donation-count, collection-tally-total), and Lee undoing
 *   the last one takes it out of Park's figures again (a reversal is left out, as core does);
 * - Lee's and Park's phones take signatures on one petition: each sees the other's count grow.
 *
 *   node live.mjs --base http://127.0.0.1:PORT --invite-lee CODE --invite-park CODE
 *                 --collection ID --petition ID [--tin 4] --fail-dir DIR
 *
 * Prints the donations kept and the one undone, what Park's screen showed at the end, and how
 * long each record took to appear on the other phone.
 */
import {
  backHome,
  collectionFigures,
  decimal,
  donate,
  homeItem,
  issueTinToMe,
  join,
  minorShown,
  number,
  openCollection,
  openPetition,
  options,
  phone,
  presets,
  run,
  sign,
  step,
  text,
  tid,
  timed,
  until,
  untilFigures,
  untilSync,
} from "./lib.mjs"

const args = options({
  base: {},
  "invite-lee": {},
  "invite-park": {},
  collection: {},
  petition: {},
  tin: { default: "4" },
  "fail-dir": {},
})
const tin = Number(args.tin)

/** The tin numbers `p`'s tin-select offers. */
async function offeredTins(p) {
  return tid(p.page, "tin-select")
    .locator("option")
    .evaluateAll(os => os.map(o => o.value))
}

/** Waits until `check(p)` holds on phone `p`; returns how long it took since `since`. */
async function seenOn(p, what, since, check) {
  step(`${p.name}: ${what}, without reloading`)
  await until(`${what} on ${p.name}'s screen`, seen => check(p.page, seen))
  return Date.now() - since
}

/** Waits until Park's whole-collection figures show `count` donations and `tally`. */
async function figuresOn(p, what, since, count, tally) {
  step(`${p.name}: ${what} in the whole collection's figures, without reloading`)
  await untilFigures(p.page, count, tally)
  return Date.now() - since
}

run(
  async browser => {
    const lee = await phone(browser, "lee")
    const park = await phone(browser, "park")
    await timed("join lee (typed code)", () => join(lee, args.base, { code: args["invite-lee"], deviceName: "Lee's phone" }))
    await timed("join park (invite link)", () =>
      join(park, args.base, { code: args["invite-park"], deviceName: "Park's phone", byLink: true })
    )
    for (const p of [lee, park]) {
      step(`${p.name}: the collection and the petition reach the phone`)
      await homeItem(p.page, "collection", args.collection)
      await homeItem(p.page, "petition", args.petition)
      await untilSync(p.page, "saved", 0)
    }

    for (const p of [lee, park]) await openCollection(p, args.collection)
    step(`park: tin ${tin} is offered before Lee takes it`)
    await until(`park's tin-select to offer tin ${tin}`, async seen => {
      const tins = await offeredTins(park)
      seen(tins)
      return tins.includes(String(tin))
    })
    step("park: the whole collection has no donations yet")
    await untilFigures(park.page, 0, 0)

    // A custody record: Lee takes the tin; Park's phone stops offering it.
    let since = Date.now()
    await issueTinToMe(lee, tin, `L-${tin}`)
    const custodyMs = await seenOn(park, `tin ${tin} no longer offered`, since, async (_page, seen) => {
      const tins = await offeredTins(park)
      seen(tins)
      return !tins.includes(String(tin))
    })

    // Donations: Lee's phone records them into Lee's tin; Park, who carries no tin, sees them in
    // the whole collection's figures.
    const offered = await presets(lee.page)
    const recorded = [offered[0], 1999, offered[offered.length - 1]]
    const donationMs = []
    let total = 0
    for (const [i, minor] of recorded.entries()) {
      since = Date.now()
      await donate(lee, minor, { custom: minor === 1999 })
      total += minor
      donationMs.push(await figuresOn(park, `donation ${i + 1} (${decimal(minor)})`, since, i + 1, total))
    }

    // Lee undoes the last donation (a reversal): it leaves Lee's tin and Park's figures.
    const undone = recorded[recorded.length - 1]
    const amounts = recorded.slice(0, -1)
    step(`lee: undo the last donation (${decimal(undone)})`)
    since = Date.now()
    await tid(lee.page, "undo-last").click()
    await until(`lee's donation-count ${amounts.length} and tin-total ${decimal(total - undone)} after the undo`, async seen => {
      seen({ donationCount: await text(lee.page, "donation-count"), tinTotal: await text(lee.page, "tin-total") })
      return (await number(lee.page, "donation-count")) === amounts.length && (await minorShown(lee.page, "tin-total")) === total - undone
    })
    total -= undone
    const undoMs = await figuresOn(park, `the undone ${decimal(undone)} left out`, since, amounts.length, total)
    const parkShown = await collectionFigures(park.page)
    const leeShown = await collectionFigures(lee.page)

    // Signatures: Lee takes two, Park one, on the same petition.
    for (const p of [lee, park]) {
      await backHome(p, args.base)
      await openPetition(p, args.petition)
    }
    const signatureMs = []
    const signers = [
      [lee, { name: "Grace Kim", postcode: "LS3 1AB", consent: false }],
      [lee, { name: "Hamza Ali", postcode: "LS4 2CD", consent: true }],
      [park, { name: "Iris Chen", postcode: "LS5 3EF", consent: false }],
    ]
    for (const [i, [p, signer]] of signers.entries()) {
      const other = p === lee ? park : lee
      since = Date.now()
      await sign(p, signer)
      signatureMs.push(
        await seenOn(other, `signature-count ${i + 1}`, since, async (page, seen) => {
          seen(await text(page, "signature-count"))
          return (await number(page, "signature-count")) === i + 1
        })
      )
    }
    for (const p of [lee, park]) await untilSync(p.page, "saved", 0)

    return {
      amounts,
      undone,
      total,
      parkShown: { count: parkShown.count, tally: parkShown.tally },
      leeShown: { count: leeShown.count, tally: leeShown.tally },
      signers: signers.map(([p, s]) => ({ ...s, phone: p.name })),
      latencyMs: { custody: custodyMs, donations: donationMs, undo: undoMs, signatures: signatureMs },
    }
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
