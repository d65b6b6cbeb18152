/**
 * Money outside tins, and a mistyped card payment undone from the phone (issue 16, item 1):
 *
 * - Lee, with no tin, records a card payment on the club's reader typed as 500 instead of 5.00;
 *   the whole collection's figures show 500.00 outside tins;
 * - Lee undoes it from the list of what she recorded, saying why (an empty reason is refused);
 * - Lee records 5.00 by card and 2.00 in cash handed over: the figures show 7.00, and Park's
 *   phone shows the same, without a reload.
 *
 *   node money.mjs --base URL --lee CODE --park CODE --collection ID --screens DIR --fail-dir DIR
 */
import { join, minorShown, onScreen, openCollection, options, phone, run, screenshot, step, text, tid, until, untilSync } from "./lib.mjs"

const args = options({ base: {}, lee: {}, park: {}, collection: {}, screens: {}, "fail-dir": {} })

async function recordOutside(p, source, amount) {
  step(`${p.name}: records ${amount} (${source}) outside tins`)
  await tid(p.page, "outside-source").selectOption(source)
  await tid(p.page, "outside-amount").fill(amount)
  await tid(p.page, "outside-submit").click()
  await until(`${amount} recorded`, async () => (await text(p.page, "collection-message")).startsWith("Recorded"))
}

const outside = p => minorShown(p.page, "collection-outside-total")

run(
  async browser => {
    const lee = await phone(browser, "lee")
    await join(lee, args.base, { code: args.lee, deviceName: "Lee's phone" })
    const park = await phone(browser, "park")
    await join(park, args.base, { code: args.park, deviceName: "Park's phone" })
    await openCollection(lee, args.collection)
    await openCollection(park, args.collection)

    await recordOutside(lee, "card", "500")
    await until("500.00 outside tins", async () => (await outside(lee)) === 50_000)

    step("lee: undoes the mistyped payment, with a reason")
    const row = lee.page.locator('[data-testid="donation-row"][data-reversed="false"]').first()
    await row.getByTestId("donation-undo").click()
    await row.getByTestId("donation-undo-confirm").click()
    await until("an undo without a reason refused", async () => (await text(lee.page, "collection-message")) === "Say why it is undone.")
    await row.getByTestId("donation-undo-reason").fill("typed 500 for 5.00")
    await row.getByTestId("donation-undo-confirm").click()
    await lee.page.locator('[data-testid="donation-row"][data-reversed="true"]').first().waitFor({ state: "visible" })

    await recordOutside(lee, "card", "5.00")
    await recordOutside(lee, "cash", "2")
    await until("7.00 outside tins on Lee's phone", async () => (await outside(lee)) === 700)
    await untilSync(lee.page, "saved", 0)
    await until("7.00 outside tins on Park's phone", async () => (await outside(park)) === 700)
    await tid(lee.page, "donation-list").scrollIntoViewIfNeeded()
    await screenshot(lee.page, args.screens, "collection-money")
    await onScreen(lee.page, "collection")
    return {}
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
