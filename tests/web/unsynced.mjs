/**
 * Records that wait too long are at risk (a browser may clear an unused site's storage), so:
 *
 * - the app asks the browser to keep its storage (`<html data-persisted>` says it asked);
 * - Lee records offline; a day later (the waiting time is moved back), the reopened app warns
 *   that records have waited more than a day;
 * - "Save the unsent records to a file" downloads a file holding every document with unsent
 *   records; its documents are written out (raw Automerge bytes) for the Rust side to read.
 *
 *   node unsynced.mjs --base URL --invite CODE --collection ID --tin N --out DIR --fail-dir DIR
 *
 * Prints the amounts recorded and the files of the exported documents.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join as joinPath } from "node:path"

import { donate, issueTinToMe, join, openCollection, options, phone, presets, reopen, run, step, tid, until, untilSync } from "./lib.mjs"

const args = options({ base: {}, invite: {}, collection: {}, tin: {}, out: {}, "fail-dir": {} })
const DAY = 24 * 3_600_000

run(
  async browser => {
    const lee = await phone(browser, "lee")
    await join(lee, args.base, { code: args.invite, deviceName: "Lee's phone" })
    await until("the app to have asked to keep its storage", async seen => {
      const asked = await lee.page.evaluate(() => document.documentElement.dataset.persisted)
      seen(asked ?? "(not yet)")
      return asked === "true" || asked === "false"
    })
    await openCollection(lee, args.collection)
    await untilSync(lee.page, "saved", 0)

    step("lee: records offline")
    await lee.context.setOffline(true)
    await untilSync(lee.page, "offline", 0)
    await issueTinToMe(lee, Number(args.tin), `S-${args.tin}`)
    const amounts = (await presets(lee.page)).slice(0, 3)
    for (const minor of amounts) await donate(lee, minor)
    if ((await tid(lee.page, "unsynced-warning").count()) !== 0) throw new Error("a warning before a day has passed")

    step("lee: a day later, the reopened app warns")
    await lee.page.evaluate(day => {
      const key = Object.keys(localStorage).find(k => k.startsWith("clubsync.pending-since."))
      if (!key) throw new Error("the app did not note when records started waiting")
      localStorage.setItem(key, String(Date.now() - 2 * day))
    }, DAY)
    await reopen(lee, { offline: true })
    await tid(lee.page, "unsynced-warning").waitFor({ state: "visible" })

    step("lee: saves the unsent records to a file")
    const [download] = await Promise.all([lee.page.waitForEvent("download"), tid(lee.page, "export-unsynced").click()])
    mkdirSync(args.out, { recursive: true })
    const path = joinPath(args.out, download.suggestedFilename())
    await download.saveAs(path)
    const file = JSON.parse(readFileSync(path, "utf8"))
    if (file.format !== "clubsync-unsynced-records/1" || !Array.isArray(file.documents)) throw new Error(`not an export: ${JSON.stringify(file).slice(0, 200)}`)
    const documents = file.documents.map(d => {
      const out = joinPath(args.out, `${d.id}.automerge`)
      writeFileSync(out, Buffer.from(d.automerge_base64, "base64"))
      return { id: d.id, unsent: d.unsent_changes, path: out }
    })
    return { amounts, documents, device: file.device_id }
  },
  { limitMs: 180_000, failDir: args["fail-dir"] }
)
