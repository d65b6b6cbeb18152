/**
 * An event with a shift, from creation to the roster and the calendars:
 *
 * - Kim (coordinator) creates a protest on her phone, adds a steward shift for one person, and
 *   puts Park and herself on it;
 * - Park sees it under "my shifts" and answers "I'll come"; Kim accepts too: the shift shows as
 *   overbooked on Kim's phone;
 * - Kim marks that Park came, and the event held;
 * - the club's events and Park's shifts download as iCalendar files, read back by ical.js (a
 *   published parser): one event, on the club's clock.
 *
 *   node events.mjs --base URL --coordinator CODE --volunteer CODE --screens DIR --fail-dir DIR
 *
 * Prints the event's id.
 */
import { readFileSync } from "node:fs"
import { join as joinPath } from "node:path"

import ICAL from "ical.js"

import { join, onScreen, options, phone, run, screenshot, step, text, tid, until, untilSync } from "./lib.mjs"

const args = options({ base: {}, coordinator: {}, volunteer: {}, screens: {}, "fail-dir": {} })
// The demo club is in London: 18:00 on 24 December there is 18:00 UTC.
const STARTS = "2026-12-24T18:00"
const ENDS = "2026-12-24T20:00"
const STARTS_UTC = "2026-12-24T18:00:00Z"

/** Downloads what clicking `testid` saves, and parses it as iCalendar. */
async function calendar(p, testid, dir) {
  const [download] = await Promise.all([p.page.waitForEvent("download"), tid(p.page, testid).click()])
  const path = joinPath(dir, `${p.name}-${download.suggestedFilename()}`)
  await download.saveAs(path)
  const parsed = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")))
  return parsed.getAllSubcomponents("vevent").map(v => new ICAL.Event(v))
}

const shiftRow = page => page.getByTestId("shift-row", { exact: true }).first()

run(
  async browser => {
    const kim = await phone(browser, "kim")
    await join(kim, args.base, { code: args.coordinator, deviceName: "Kim's phone" })
    const park = await phone(browser, "park")
    await join(park, args.base, { code: args.volunteer, deviceName: "Park's phone" })
    await untilSync(kim.page, "saved", 0)

    step("kim: creates a protest with a steward shift")
    await tid(kim.page, "new-event").click()
    await tid(kim.page, "new-event-title").fill("Vigil for the forcibly returned")
    await tid(kim.page, "new-event-type").selectOption("protest")
    await tid(kim.page, "new-event-starts").fill(STARTS)
    await tid(kim.page, "new-event-ends").fill(ENDS)
    await tid(kim.page, "new-event-place").fill("Park Square")
    await tid(kim.page, "new-event-submit").click()
    await onScreen(kim.page, "event")
    const eventId = /#\/event\/([\w-]+)/.exec(kim.page.url())?.[1]
    if (!eventId) throw new Error(`no event id in ${kim.page.url()}`)
    await tid(kim.page, "new-shift-role").selectOption("steward")
    await tid(kim.page, "new-shift-needed").fill("1")
    await tid(kim.page, "new-shift-submit").click()
    await shiftRow(kim.page).waitFor({ state: "visible" })
    for (const name of ["Volunteer Park", "Coordinator Kim"]) {
      const select = shiftRow(kim.page).getByTestId("shift-assign-member")
      const value = await until(`${name} in the shift's member list`, async seen => {
        const options = await select.locator("option").evaluateAll(os => os.map(o => ({ value: o.value, label: o.textContent })))
        seen(options)
        return options.find(o => o.label === name)?.value
      })
      await select.selectOption(value)
      await shiftRow(kim.page).getByTestId("shift-assign").click()
      await until(`${name} on the shift`, async () => (await shiftRow(kim.page).getByTestId("assignment").count()) >= (name === "Coordinator Kim" ? 2 : 1))
    }
    await untilSync(kim.page, "saved", 0)

    step("park: sees the shift under my shifts and accepts")
    const mine = park.page.locator(`[data-testid="my-shift-item"][data-doc-id="${eventId}"]`).first()
    await mine.waitFor({ state: "visible", timeout: 30_000 })
    await mine.click()
    await onScreen(park.page, "event")
    await shiftRow(park.page).getByTestId("shift-accept").click()
    await until("Park's answer saved", async () => (await text(park.page, "shift-my-answer")).includes("accepted"))
    await untilSync(park.page, "saved", 0)

    step("kim: accepts too; the shift is overbooked")
    await shiftRow(kim.page).getByTestId("shift-accept").click()
    await shiftRow(kim.page).getByTestId("shift-overbooked").waitFor({ state: "visible", timeout: 30_000 })

    step("kim: Park came; the event is held")
    const parkLine = shiftRow(kim.page).locator('[data-testid="assignment"]').filter({ hasText: "Volunteer Park" })
    await parkLine.getByTestId("assignment-attended").check()
    await tid(kim.page, "event-held").click()
    await until("the event held", async () => (await text(kim.page, "event-status")) === "held")
    await screenshot(kim.page, args.screens, "event")
    await untilSync(kim.page, "saved", 0)

    step("the calendars: the club's events, and Park's shifts")
    await tid(kim.page, "back-home").click()
    await onScreen(kim.page, "home")
    const clubEvents = await calendar(kim, "events-ics", args["fail-dir"])
    if (clubEvents.length !== 1 || clubEvents[0].summary !== "Vigil for the forcibly returned") {
      throw new Error(`the club's calendar holds ${JSON.stringify(clubEvents.map(e => e.summary))}`)
    }
    const start = clubEvents[0].startDate.toJSDate().toISOString().replace(".000", "")
    if (start !== STARTS_UTC) throw new Error(`the event starts at ${start} in the calendar, not ${STARTS_UTC}`)
    if (clubEvents[0].location !== "Park Square") throw new Error(`location ${clubEvents[0].location}`)
    await tid(park.page, "back-home").click()
    await onScreen(park.page, "home")
    const parkShifts = await calendar(park, "my-shifts-ics", args["fail-dir"])
    if (parkShifts.length !== 1 || !parkShifts[0].summary.includes("Steward")) {
      throw new Error(`Park's calendar holds ${JSON.stringify(parkShifts.map(e => e.summary))}`)
    }
    step("kim: the event in Korean")
    await tid(kim.page, "language-select").selectOption("ko")
    await kim.page.locator(`[data-testid="event-item"][data-doc-id="${eventId}"]`).first().click()
    await onScreen(kim.page, "event")
    await until("the event in Korean", async () => (await text(kim.page, "event-status")) === "개최됨")
    await screenshot(kim.page, args.screens, "ko-event")
    return { event: eventId }
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
