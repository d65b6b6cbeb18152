/**
 * Other phones of the club see new records as they are made, without reloading:
 *
 * - Lee's phone takes a tin: Park's phone (another member) stops offering that tin;
 * - Lee's phone records donations: Lee's tablet (a second device of the same member, joined with
 *   a device invite) shows them in its tin total, since a collection view shows the member's own tin;
 * - Lee's and Park's phones take signatures on one petition: each sees the other's count grow.
 *
 *   node live.mjs --base http://127.0.0.1:PORT --invite-lee CODE --invite-park CODE
 *                 --collection ID --petition ID [--tin 4] --fail-dir DIR
 *
 * Checkpoint "joined": the Rust test answers {"continue": true, "code": CODE}, an invite for a
 * second device of Lee. Prints how long each record took to appear on the other phone.
 */
import {
  backHome,
  checkpoint,
  chooseTin,
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

    const { code } = await checkpoint("joined")
    if (!code) throw new Error("the test sent no invite code for Lee's second device")
    const tablet = await phone(browser, "lee-tablet")
    await timed("join lee's tablet (device invite)", () => join(tablet, args.base, { code, deviceName: "Lee's tablet" }))
    await homeItem(tablet.page, "collection", args.collection)

    for (const p of [lee, park, tablet]) await openCollection(p, args.collection)
    step(`park: tin ${tin} is offered before Lee takes it`)
    await until(`park's tin-select to offer tin ${tin}`, async seen => {
      const tins = await offeredTins(park)
      seen(tins)
      return tins.includes(String(tin))
    })

    // A custody record: Lee takes the tin; Park's phone stops offering it.
    let since = Date.now()
    await issueTinToMe(lee, tin, `L-${tin}`)
    const custodyMs = await seenOn(park, `tin ${tin} no longer offered`, since, async (_page, seen) => {
      const tins = await offeredTins(park)
      seen(tins)
      return !tins.includes(String(tin))
    })
    const tabletTinMs = await seenOn(tablet, `tin ${tin} offered as Lee's`, since, async (_page, seen) => {
      const tins = await offeredTins(tablet)
      seen(tins)
      return tins.includes(String(tin))
    })
    await chooseTin(tablet.page, "tin-select", tin)
    await tid(tablet.page, "amount-preset").waitFor({ state: "visible" })

    // Donations: Lee's phone records, Lee's tablet shows them.
    const offered = await presets(lee.page)
    const amounts = [offered[0], 1999, offered[offered.length - 1]]
    const donationMs = []
    let total = 0
    for (const [i, minor] of amounts.entries()) {
      since = Date.now()
      await donate(lee, minor, { custom: minor === 1999 })
      total += minor
      donationMs.push(
        await seenOn(tablet, `donation ${i + 1} (tin-total ${decimal(total)})`, since, async (page, seen) => {
          seen({ donationCount: await text(page, "donation-count"), tinTotal: await text(page, "tin-total") })
          return (await number(page, "donation-count")) === i + 1 && (await minorShown(page, "tin-total")) === total
        })
      )
    }

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
      total,
      signers: signers.map(([p, s]) => ({ ...s, phone: p.name })),
      latencyMs: { custody: custodyMs, tabletTin: tabletTinMs, donations: donationMs, signatures: signatureMs },
    }
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
