/**
 * Banking a collection from a coordinator's browser (issue 16, item 4): the tin counted and
 * the cash handed over outside tins make what there is to bank; Kim records the deposit with
 * its paying-in slip and an expense with its receipt; "reconciled" is refused while the bank
 * holds 0.50 less, and accepted with the reason, which stays flagged.
 *
 *   node banking.mjs --base URL --coordinator CODE --collection ID --screens DIR --fail-dir DIR
 */
import { join, onScreen, openCollection, options, phone, run, screenshot, step, text, tid, until, untilSync } from "./lib.mjs"

const args = options({ base: {}, coordinator: {}, collection: {}, screens: {}, "fail-dir": {} })

const minorOf = async (page, id) => Number(await tid(page, id).getAttribute("data-minor"))

async function record(page, kind, amount, reference, note) {
  step(`kim: records ${kind} ${amount}`)
  await tid(page, "bank-kind").selectOption(kind)
  await tid(page, "bank-amount").fill(amount)
  await tid(page, "bank-reference").fill(reference)
  await tid(page, "bank-note").fill(note)
  await tid(page, "bank-submit").click()
  await until(`${kind} saved`, async () => (await text(page, "banking-message")).startsWith("Saved"))
}

run(
  async browser => {
    const kim = await phone(browser, "kim-laptop", { laptop: true })
    await join(kim, args.base, { code: args.coordinator, deviceName: "Kim's browser" })
    await openCollection(kim, args.collection)
    await tid(kim.page, "open-banking").click()
    await onScreen(kim.page, "banking")
    const page = kim.page
    await until("13.00 to bank", async () => (await minorOf(page, "bank-to-bank")) === 1300)

    await record(page, "deposit", "12.50", "slip 004512", "")
    await record(page, "expense", "4.00", "LCC-R-88", "permit fee")
    await until("banked 12.50, 0.50 short", async () => (await minorOf(page, "bank-banked")) === 1250 && (await minorOf(page, "bank-difference")) === -50)

    step("kim: reconciling is refused without a reason")
    await tid(page, "bank-reconcile").click()
    await until("refused", async () => (await text(page, "banking-message")).includes("why"))
    if ((await text(page, "banking-status")) !== "counted") throw new Error("reconciled without a reason")
    await tid(page, "bank-difference-reason").fill("the bank refused a forged 50p coin")
    await tid(page, "bank-reconcile").click()
    await until("reconciled", async () => (await text(page, "banking-status")) === "reconciled")
    await untilSync(page, "saved", 0)
    await screenshot(page, args.screens, "banking")

    step("kim: enters the permit; the collection screen says it ended")
    await tid(page, "back-collection").click()
    await onScreen(page, "collection")
    await page.locator('[data-testid="permit-warning"][data-kind="no_permit"]').first().waitFor({ state: "visible" })
    await tid(page, "open-permit").click()
    await onScreen(page, "permit")
    await tid(page, "permit-authority-input").fill("Leeds City Council")
    await tid(page, "permit-reference-input").fill("SC/2020/007")
    await tid(page, "permit-first_day-input").fill("2020-03-14")
    await tid(page, "permit-last_day-input").fill("2020-03-14")
    await tid(page, "permit-hours-input").fill("10:00-16:00")
    await tid(page, "permit-save").click()
    await until("the permit shown", async () => (await text(page, "permit-reference")) === "SC/2020/007")
    await page.locator('[data-testid="permit-warning"][data-kind="after_last_day"]').first().waitFor({ state: "visible" })
    if ((await page.locator('[data-testid="permit-warning"][data-kind="no_permit"]').count()) !== 0) throw new Error("still no permit")
    await untilSync(page, "saved", 0)
    await screenshot(page, args.screens, "permit")
    return {}
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
