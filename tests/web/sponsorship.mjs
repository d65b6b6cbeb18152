/**
 * A sponsored walk on the phone (issue 16, item 6): Kim creates it (per km), takes two sponsors
 * door to door (Gift Aid refused without a postcode, then given), records 10 km walked and a
 * payment; the sheet shows 25.00 pledged, 20.00 paid, 5.00 outstanding.
 *
 *   node sponsorship.mjs --base URL --coordinator CODE --screens DIR --fail-dir DIR
 */
import { join, onScreen, options, phone, run, screenshot, step, text, tid, until, untilSync } from "./lib.mjs"

const args = options({ base: {}, coordinator: {}, screens: {}, "fail-dir": {} })
const minorOf = async (page, id) => Number(await tid(page, id).getAttribute("data-minor"))

async function sponsor(page, name, amount, giftAid, house, postcode) {
  step(`kim: ${name} pledges ${amount}`)
  await tid(page, "sponsor-name").fill(name)
  await tid(page, "sponsor-amount").fill(amount)
  if (giftAid) {
    await tid(page, "sponsor-gift-aid").check()
    await tid(page, "sponsor-house").fill(house)
    await tid(page, "sponsor-postcode").fill(postcode)
  }
  await tid(page, "sponsor-save").click()
}

run(
  async browser => {
    const kim = await phone(browser, "kim")
    await join(kim, args.base, { code: args.coordinator, deviceName: "Kim's phone" })
    const page = kim.page
    step("kim: a sponsored walk, per km")
    await tid(page, "new-sponsorship").click()
    await tid(page, "new-sponsorship-title").fill("Sponsored walk")
    await tid(page, "new-sponsorship-unit").selectOption("per_km")
    await tid(page, "new-sponsorship-submit").click()
    await onScreen(page, "sponsorship")
    const id = /#\/sponsorship\/([\w-]+)/.exec(page.url())?.[1]

    await sponsor(page, "Jo Bloggs", "2", true, "12", "")
    await until("Gift Aid without a postcode refused", async () => (await text(page, "sponsorship-message")).includes("postcode"))
    await tid(page, "sponsor-postcode").fill("LS1 4AP")
    await tid(page, "sponsor-save").click()
    await until("Jo's pledge saved", async () => (await text(page, "sponsorship-message")).startsWith("Saved Jo Bloggs"))
    await sponsor(page, "Sam Lee", "0.50", false)
    await until("Sam's pledge saved", async () => (await text(page, "sponsorship-message")).startsWith("Saved Sam Lee"))

    step("kim: 10 km walked; Jo pays 20.00")
    await tid(page, "sponsorship-km").fill("10")
    await tid(page, "sponsorship-km-save").click()
    await until("25.00 pledged", async () => (await minorOf(page, "sponsorship-pledged")) === 2500)
    const jo = page.locator('[data-testid="pledge-row"]').filter({ hasText: "Jo Bloggs" }).first()
    await jo.getByTestId("pledge-pay").click()
    await jo.getByTestId("pledge-paid-amount").fill("20.00")
    await jo.getByTestId("pledge-paid-save").click()
    await until("20.00 paid, 5.00 outstanding", async () => (await minorOf(page, "sponsorship-paid")) === 2000 && (await minorOf(page, "sponsorship-outstanding")) === 500)
    await untilSync(page, "saved", 0)
    await screenshot(page, args.screens, "sponsorship")
    return { activity: id }
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
