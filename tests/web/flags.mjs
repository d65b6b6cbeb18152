/**
 * A flag resolved on one device disappears on another (issue 15, item 5):
 *
 * - Park's phone takes tin 5; Kim's laptop (the CLI, not synced since) gives tin 5 to Kim, then
 *   syncs (the test does it at checkpoint `park-has-tin`): the tin is out twice;
 * - Park's collection screen shows the flag, without a reload;
 * - Kim, on a laptop-sized browser, sees it in her list of flags and resolves it with a note;
 * - the flag disappears from Park's screen (the resolution synced), and Kim's list shows who
 *   resolved it, and how.
 *
 *   node flags.mjs --base URL --coordinator CODE --volunteer CODE --collection ID --screens DIR --fail-dir DIR
 */
import { checkpoint, issueTinToMe, join, onScreen, openCollection, options, phone, run, screenshot, step, text, tid, until, untilSync } from "./lib.mjs"

const args = options({ base: {}, coordinator: {}, volunteer: {}, collection: {}, screens: {}, "fail-dir": {} })
const NOTE = "Kim took tin 5 back from Park at 11:00 and forgot to record it"

run(
  async browser => {
    const park = await phone(browser, "park")
    await join(park, args.base, { code: args.volunteer, deviceName: "Park's phone" })
    await openCollection(park, args.collection)
    await issueTinToMe(park, 5, "P-5")
    await untilSync(park.page, "saved", 0)
    await checkpoint("park-has-tin")

    step("park: the flag shows on the collection screen")
    const parkFlag = park.page.locator('[data-testid="record-flags"] [data-flag-kind="tin_issued_twice"]').first()
    await parkFlag.waitFor({ state: "visible", timeout: 30_000 })
    const shown = await parkFlag.innerText()
    if (!shown.includes("Tin 5 is out with 2 collectors")) throw new Error(`the flag reads ${JSON.stringify(shown)}`)
    if ((await park.page.getByTestId("flag-resolve").count()) !== 0) throw new Error("a volunteer is offered to resolve a flag")
    await parkFlag.scrollIntoViewIfNeeded()
    await screenshot(park.page, args.screens, "collection-flag")

    step("kim: resolves it from her list of flags")
    const kim = await phone(browser, "kim-laptop", { laptop: true })
    await join(kim, args.base, { code: args.coordinator, deviceName: "Kim's browser" })
    await until("Kim's home counts one flag", async () => (await text(kim.page, "open-flags")) === "Flags (1)")
    await tid(kim.page, "open-flags").click()
    await onScreen(kim.page, "flags")
    const kimFlag = kim.page.locator('[data-testid="flag"][data-flag-kind="tin_issued_twice"]').first()
    await kimFlag.waitFor({ state: "visible" })
    await kimFlag.getByTestId("flag-resolve").click()
    await kimFlag.getByTestId("flag-note").fill(NOTE)
    await kimFlag.getByTestId("flag-resolve-save").click()
    await tid(kim.page, "no-flags").waitFor({ state: "visible" })
    await untilSync(kim.page, "saved", 0)

    step("park: the flag is gone, without a reload")
    await parkFlag.waitFor({ state: "detached", timeout: 30_000 })
    await tid(park.page, "screen-collection").waitFor({ state: "visible" })

    step("kim: the resolution is listed with who and how")
    await tid(kim.page, "flags-refresh").click()
    await until("the resolution listed", async () => {
      const row = await tid(kim.page, "resolved-flag").innerText().catch(() => "")
      return row.includes(NOTE) && row.includes("Checked by Coordinator Kim")
    })
    await screenshot(kim.page, args.screens, "flags")

    step("kim: the list in Korean")
    await tid(kim.page, "back-home").click()
    await onScreen(kim.page, "home")
    await tid(kim.page, "language-select").selectOption("ko")
    await tid(kim.page, "open-flags").click()
    await onScreen(kim.page, "flags")
    await until("the list in Korean", async () => (await tid(kim.page, "resolved-flag").innerText().catch(() => "")).includes("확인"))
    await screenshot(kim.page, args.screens, "ko-flags")
    return {}
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
