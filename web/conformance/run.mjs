/**
 * The web app's half of the conformance test (tests/tests/web_conformance): runs the app's own
 * record writers (src/schema.ts), money (src/money.ts) and figures (src/figures.ts) on cases
 * that core generated, so the Rust test can compare what the phone writes with what core's
 * writer and the server's rules do with the same intent.
 *
 *   node conformance/run.mjs <dir>
 *
 * `<dir>/cases.json` names the documents (Automerge files in `<dir>`), the cases and the money
 * inputs. For each case that the app writes, its change goes to `<dir>/<name>.change` (a new
 * collection's whole document to `<dir>/<name>.doc`); the outcomes, the figures and the money
 * results are printed as one line of JSON. The sources are bundled with rolldown (as vite
 * would) into conformance/.build/, with the Automerge packages left to Node.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as A from "@automerge/automerge"
import { build } from "rolldown"

const here = dirname(fileURLToPath(import.meta.url))
const dir = process.argv[2]
if (!dir) {
  console.error("usage: node conformance/run.mjs <dir with cases.json>")
  process.exit(2)
}

const bundle = join(here, ".build", "app.mjs")
mkdirSync(dirname(bundle), { recursive: true })
await build({
  input: join(here, "entry.ts"),
  platform: "node",
  external: [/^@automerge\//],
  logLevel: "warn",
  output: { file: bundle, format: "esm" },
})
const { schema, events, petitions, money, figures, refusal, flags, ledger, permit, sponsorship } = await import(pathToFileURL(bundle).href)

const spec = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"))
const load = file => A.load(new Uint8Array(readFileSync(join(dir, file))))
const club = load(spec.club)
const members = schema.members(club)
const member = id => (id === null || id === undefined ? undefined : members.find(m => m.id === id))

/** Each op: the app's writer called as its screen calls it. */
const ops = {
  addTin: (d, a) => schema.addTin(d, a.number, a.at),
  issueTin: (d, a) =>
    schema.issueTin(d, { id: a.id, tin: a.tin, collector: member(a.collector), seal: a.seal, issuedBy: a.issuedBy, at: a.at }),
  returnTin: (d, a) => schema.returnTin(d, a.custody, { at: a.at, to: a.to, sealIntact: a.sealIntact }),
  recordTinDonation: (d, a) => schema.recordTinDonation(d, a),
  recordDonation: (d, a) => schema.recordDonation(d, { ...a, note: a.note ?? undefined }),
  reverseDonation: (d, a) => schema.reverseDonation(d, a),
  recordCount: (d, a) =>
    schema.recordCount(d, { ...a, counter1: member(a.counter1), counter2: member(a.counter2) }),
  signCount: (d, a) => schema.signCount(d, a.count, a.counter, a.by, a.at),
  sign: (d, a) => petitions.sign(d, a),
  recordConsent: (d, a) => petitions.recordConsent(d, a),
  addShift: (d, a) => events.addShift(d, a),
  assign: (d, a) => events.assign(d, { ...a, member: member(a.member) }),
  answer: (d, a) => events.answer(d, a.id, a.status, a.attended ?? undefined),
  advanceEvent: (d, a) => events.advanceEvent(d, a.stage, a.at),
  resolveFlag: (d, a) => flags.resolveFlag(d, a),
  recordLedgerEntry: (d, a) =>
    ledger.recordLedgerEntry(d, { ...a, reference: a.reference ?? undefined, reverses: a.reverses ?? undefined, note: a.note ?? undefined }),
  reconcile: (d, a) => ledger.reconcile(d, a.at),
  recordPledge: (d, a) => sponsorship.recordPledge(d, { ...a, house: a.house ?? undefined, postcode: a.postcode ?? undefined }),
  recordPayment: (d, a) => sponsorship.recordPayment(d, a),
  setDistance: (d, a) => sponsorship.setDistance(d, a.km),
  setPermit: (d, a) => permit.setPermit(d, Object.fromEntries(Object.entries(a).filter(([, v]) => v !== null))),
}

/** The writers of new documents: their whole first change. */
const creators = {
  newCollection: a => schema.newCollection(a),
  newEvent: a => events.newEvent(a),
  newSponsoredActivity: a => sponsorship.newSponsoredActivity(a),
}

const outcome = (f) => {
  try {
    return f()
  } catch (e) {
    if (e instanceof schema.RecordError) return { outcome: "refused", message: e.message }
    return { outcome: "crashed", message: String(e && e.stack ? e.stack : e) }
  }
}

const cases = {}
for (const c of spec.cases) {
  cases[c.name] = outcome(() => {
    if (creators[c.op]) {
      const doc = A.from(creators[c.op](c.args))
      writeFileSync(join(dir, `${c.name}.doc`), A.save(doc))
      return { outcome: "wrote" }
    }
    const op = ops[c.op]
    if (!op) return { outcome: "crashed", message: `no op ${c.op}` }
    const before = load(c.before)
    const after = A.change(before, d => op(d, c.args))
    const change = A.getLastLocalChange(after)
    if (!change) return { outcome: "unchanged" }
    writeFileSync(join(dir, `${c.name}.change`), change)
    return { outcome: "wrote" }
  })
}

const figuresOut = {}
for (const file of spec.figures) figuresOut[file] = outcome(() => figures.collectionFigures(load(file)))

const eventsOut = {}
for (const file of spec.events ?? []) eventsOut[file] = outcome(() => events.overbooked(load(file)))

const moneyOut = {
  digits: spec.money.currencies.map(code => money.decimals(code)),
  format: spec.money.format.map(([minor, code]) => money.formatMinor(minor, code)),
  parse: spec.money.parse.map(([text, code]) => money.parseAmount(text, code)),
}

const refusals = spec.refusals.map(text => refusal.parseRefusedChange(text) ?? null)

const sponsorships = {}
for (const file of spec.sponsorships ?? [])
  sponsorships[file] = outcome(() =>
    sponsorship.pledges(load(file)).map(p => ({ id: p.id, pledgedMinor: p.pledgedMinor, paidMinor: p.paidMinor, outstandingMinor: p.outstandingMinor }))
  )

const permits = (spec.permits ?? []).map(p => outcome(() => permit.permitWarnings(load(p.file), p.at, p.zone)))

console.log(JSON.stringify({ cases, figures: figuresOut, events: eventsOut, money: moneyOut, refusals, permits, sponsorships }))
