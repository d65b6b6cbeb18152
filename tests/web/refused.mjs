/**
 * A phone whose change the server refuses gets unstuck without losing a valid record:
 *
 * - Lee's phone takes a tin and records two donations, saved on the server;
 * - offline, a buggy app version on the phone (forged here through the app's test hook) deletes
 *   the first of them, and Lee records one more donation, which depends on that deletion;
 * - back online, the server refuses the deletion (record_deleted); the app has the server
 *   rebuild its copy, keeps the refused copy aside, and tells Lee what was refused; the
 *   donation made after it is sent and saved, and the deleted one is back on the phone;
 * - closed and opened again, the app still holds all three and nothing waits.
 *
 *   node refused.mjs --base URL --invite CODE --collection ID [--tin 6] --fail-dir DIR
 *
 * Prints the amounts recorded on the phone, the id of the donation the forged change deleted,
 * and the notice the app showed.
 */
import {
  donate,
  goOnline,
  homeItem,
  issueTinToMe,
  join,
  minorShown,
  number,
  openCollection,
  options,
  phone,
  presets,
  reopen,
  run,
  step,
  text,
  tid,
  until,
  untilSync,
} from "./lib.mjs"

const args = options({ base: {}, invite: {}, collection: {}, tin: { default: "6" }, "fail-dir": {} })
const tin = Number(args.tin)

/** Waits until the phone's tin shows `count` donations totalling `total`. */
async function untilTin(page, count, total) {
  await until(`donation-count ${count} and tin-total of ${total} minor units`, async seen => {
    seen({ donationCount: await text(page, "donation-count"), tinTotal: await text(page, "tin-total") })
    return (await number(page, "donation-count")) === count && (await minorShown(page, "tin-total")) === total
  })
}

run(
  async browser => {
    const lee = await phone(browser, "lee")
    await lee.context.addInitScript(() => localStorage.setItem("clubsync.test-hooks", "1"))
    await join(lee, args.base, { code: args.invite, deviceName: "Lee's phone" })
    await homeItem(lee.page, "collection", args.collection)
    await untilSync(lee.page, "saved", 0)
    await openCollection(lee, args.collection)
    await issueTinToMe(lee, tin, `R-${tin}`)
    const offered = await presets(lee.page)
    const amounts = [offered[0], offered[1]]
    for (const minor of amounts) await donate(lee, minor)
    await untilSync(lee.page, "saved", 0)

    step("lee: offline, a buggy app version deletes the first donation")
    await lee.context.setOffline(true)
    await untilSync(lee.page, "offline", 0)
    const deleted = await lee.page.evaluate(id => {
      const handle = window.clubsyncTest.sync().handle(id)
      const [first] = Object.entries(handle.doc().donations).sort(([, a], [, b]) => a.at - b.at)[0]
      handle.change(d => {
        delete d.donations[first]
      })
      return first
    }, args.collection)
    await untilTin(lee.page, 1, amounts[1])
    const after = offered[2]
    await donate(lee, after)
    amounts.push(after)

    step("lee: back online, the server refuses the deletion and the app rebuilds the collection")
    await goOnline(lee)
    const notice = tid(lee.page, "refusal-notice")
    await notice.waitFor({ state: "visible" })
    const shown = await text(lee.page, "refusal-text")
    if (!shown.includes("record_deleted") || !shown.includes(deleted)) {
      throw new Error(`the refusal notice does not name the deleted donation and the rule: ${shown}`)
    }
    const total = amounts.reduce((a, b) => a + b, 0)
    await untilTin(lee.page, 3, total)
    await untilSync(lee.page, "saved", 0)
    await tid(lee.page, "refusal-ok").click()
    await notice.waitFor({ state: "hidden" })

    step("lee: the app closed and opened again still holds all three, nothing waiting")
    await reopen(lee, { offline: false })
    await untilTin(lee.page, 3, total)
    await untilSync(lee.page, "saved", 0)
    return { amounts, deleted, notice: shown }
  },
  { limitMs: 180_000, failDir: args["fail-dir"] }
)
