/**
 * The clubsync documents as docs/schema.md defines them: readers that turn an Automerge
 * document into plain values, and writers that add ONE record per change.
 *
 * Every string is an `ImmutableString` (a scalar string, last writer wins), exactly as the Rust
 * writer makes them: ids, codes, enumerations and the free text of records alike (records are
 * append-only, so collaborative text would only cost space; and some readers, such as the CLI's
 * document titles, read scalars only). Times are integer milliseconds; money is an integer
 * `amount_minor` with its `currency`. Every writer
 * validates first and writes nothing when it refuses (it throws `RecordError` before touching
 * the document). Petitions are in `petitions.ts`, events in `events.ts`.
 */
import { ImmutableString } from "@automerge/automerge-repo"
import { en, type Messages } from "./i18n/en"
import { isCurrency } from "./money"

/** An Automerge document seen through the change proxy or as a snapshot. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDoc = Record<string, any>

export const SCHEMA_VERSION = 1


/**
 * A record the writer refuses. `key` names the refusal in the app's words (`i18n/en.ts`'s
 * `refuse...` entries, with `params`), so a screen shows it in the phone's language; the
 * message is the English one.
 */
export class RecordError extends Error {
  constructor(
    message: string,
    readonly key?: RefusalKey,
    readonly params: unknown[] = []
  ) {
    super(message)
  }
}

/** The refusals the app has words for. */
export type RefusalKey = Extract<keyof Messages, `refuse${string}`>
type Params<K extends RefusalKey> = Messages[K] extends (...args: infer A) => string ? A : []

/** A refusal in the app's words (English in its message; its key for the phone's language). */
export function refuse<K extends RefusalKey>(key: K, ...params: Params<K>): RecordError {
  const words = en[key] as string | ((...args: unknown[]) => string)
  return new RecordError(typeof words === "function" ? words(...params) : words, key, params)
}

/** What to show for a writer's error in the phone's language (`t`). */
export function refusalText(t: Messages, e: unknown): string {
  if (e instanceof RecordError && e.key) {
    const words = t[e.key] as string | ((...args: unknown[]) => string)
    return typeof words === "function" ? words(...e.params) : words
  }
  return (e as Error).message
}

/** A scalar string, as the Rust writer makes every string. */
export const I = (value: string) => new ImmutableString(value)

/** A text field as a string (`ImmutableString`, text or string), or undefined. */
export function str(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  return String(value)
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined
}

export function entries(map: unknown): [string, AnyDoc][] {
  if (!map || typeof map !== "object") return []
  return Object.entries(map as AnyDoc).filter(([, v]) => v && typeof v === "object") as [string, AnyDoc][]
}

// ---------------------------------------------------------------------------------------------
// Club

export interface Member {
  id: string
  name: string
  role: string
  age16plus: boolean
  /** When the member left the club (a former member), if they did. */
  leftAt?: number
}

export interface IndexedDocument {
  id: string
  kind: string
  title: string
  addedAt: number
}

export function clubName(club: AnyDoc | undefined): string {
  return str(club?.name) ?? "Your club"
}

export function clubCurrency(club: AnyDoc | undefined): string | undefined {
  return str(club?.currency)
}

/**
 * The club's time zone (IANA, `Asia/Seoul`): every date the app shows is on its clock. A club
 * document without one (made before clubs had it) leaves the phone's own zone.
 */
export function clubTimeZone(club: AnyDoc | undefined): string | undefined {
  const zone = str(club?.time_zone)
  if (!zone) return undefined
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone })
    return zone
  } catch {
    return undefined
  }
}

export function members(club: AnyDoc | undefined): Member[] {
  return entries(club?.members)
    .map(([id, m]) => ({
      id,
      name: str(m.display_name) ?? "(no name)",
      role: str(m.role) ?? "",
      age16plus: m.age16plus === true,
      leftAt: num(m.left_at),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1))
}

export function clubIndex(club: AnyDoc | undefined): IndexedDocument[] {
  return entries(club?.documents).map(([id, d]) => ({
    id,
    kind: str(d.kind) ?? "",
    title: str(d.title) ?? "",
    addedAt: num(d.added_at) ?? 0,
  }))
}

// ---------------------------------------------------------------------------------------------
// Street collection: reading

export interface Custody {
  id: string
  tin: number
  collector: string
  seal: string
  issuedAt: number
  issuedBy: string
  returnedAt?: number
  returnedTo?: string
  sealIntact?: boolean
}

export interface Donation {
  id: string
  source: string
  tin?: number
  custody?: string
  amountMinor: number
  currency: string
  at: number
  collector: string
  device: string
  note?: string
  reversed: boolean
}

export interface Count {
  id: string
  custody: string
  tin: number
  place: string
  at: number
  counter1: string
  counter2: string
  amountMinor: number
  currency: string
  denominations: { value: number; quantity: number }[]
  signedBy: string[]
  supersedes: string[]
  active: boolean
}

export function isCollection(doc: AnyDoc | undefined): boolean {
  return str(doc?.kind) === "street_collection"
}

export function isPetition(doc: AnyDoc | undefined): boolean {
  return str(doc?.kind) === "petition"
}

export function tins(doc: AnyDoc): number[] {
  return entries(doc.tins)
    .map(([, t]) => num(t.number))
    .filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b)
}

export function custodyLog(doc: AnyDoc): Custody[] {
  return entries(doc.custody)
    .map(([id, c]) => ({
      id,
      tin: num(c.tin) ?? -1,
      collector: str(c.collector) ?? "",
      seal: str(c.seal) ?? "",
      issuedAt: num(c.issued_at) ?? 0,
      issuedBy: str(c.issued_by) ?? "",
      returnedAt: num(c.returned_at),
      returnedTo: str(c.returned_to),
      sealIntact: typeof c.seal_intact === "boolean" ? c.seal_intact : undefined,
    }))
    .sort((a, b) => a.issuedAt - b.issuedAt || (a.id < b.id ? -1 : 1))
}

/** The custody entry of `tin` that has no return yet (the latest if several), as core does. */
export function activeCustody(doc: AnyDoc, tin: number): Custody | undefined {
  const open = custodyLog(doc).filter(c => c.tin === tin && c.returnedAt === undefined)
  return open[open.length - 1]
}

export function reversedDonations(doc: AnyDoc): Set<string> {
  return new Set(
    entries(doc.reversals)
      .map(([, r]) => str(r.donation))
      .filter((d): d is string => !!d)
  )
}

/** Every donation of the collection, reversed ones marked, in no particular order (`byTime` orders them). */
export function donations(doc: AnyDoc): Donation[] {
  const reversed = reversedDonations(doc)
  return entries(doc.donations)
    .map(([id, d]) => ({
      id,
      source: str(d.source) ?? "",
      tin: num(d.tin),
      custody: str(d.custody),
      amountMinor: num(d.amount_minor) ?? 0,
      currency: str(d.currency) ?? "",
      at: num(d.at) ?? 0,
      collector: str(d.collector) ?? "",
      device: str(d.device) ?? "",
      note: str(d.note),
      reversed: reversed.has(id),
    }))
}

/** Donations in the order they were made (time, then id). */
export function byTime<T extends { at: number; id: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
}

export function counts(doc: AnyDoc): Count[] {
  const list = entries(doc.counts).map(([id, c]) => {
    const counter1 = str(c.counter1) ?? ""
    const counter2 = str(c.counter2) ?? ""
    const signatures = c.signatures && typeof c.signatures === "object" ? Object.keys(c.signatures) : []
    return {
      id,
      custody: str(c.custody) ?? "",
      tin: num(c.tin) ?? -1,
      place: str(c.place) ?? "",
      at: num(c.at) ?? 0,
      counter1,
      counter2,
      amountMinor: num(c.amount_minor) ?? 0,
      currency: str(c.currency) ?? "",
      denominations: Object.entries((c.denominations ?? {}) as AnyDoc)
        .map(([value, quantity]) => ({ value: Number(value), quantity: num(quantity) ?? 0 }))
        .sort((a, b) => b.value - a.value),
      signedBy: [counter1, counter2].filter(m => signatures.includes(m)),
      supersedes: c.supersedes && typeof c.supersedes === "object" ? Object.keys(c.supersedes) : [],
      active: true,
    }
  })
  const superseded = new Set(list.flatMap(c => c.supersedes))
  for (const c of list) c.active = !superseded.has(c.id)
  return list.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
}

// ---------------------------------------------------------------------------------------------
// Street collection: writing

const COLLECTION_CONTAINERS = ["permit", "status", "tins", "custody", "donations", "reversals", "counts", "ledger", "returns", "resolutions"]

/** The first (and only first) change of a new street collection: root fields and every container. */
export function newCollection(args: { club: string; title: string; currency: string; at: number }): AnyDoc {
  if (!args.title.trim()) throw refuse("refuseCollectionTitle")
  if (!isCurrency(args.currency)) throw new RecordError(`${args.currency} is not a currency code (ISO 4217, like GBP or KRW).`)
  const doc: AnyDoc = {
    kind: I("street_collection"),
    schema_version: SCHEMA_VERSION,
    created_at: args.at,
    club: I(args.club),
    title: I(args.title.trim()),
    currency: I(args.currency),
  }
  for (const name of COLLECTION_CONTAINERS) doc[name] = {}
  // A new collection is planned (docs/schema.md: statuses only move forward).
  doc.status = { planned: args.at }
  return doc
}

/** Adds tin `number` (key = the number in decimal). */
export function addTin(d: AnyDoc, number: number, at: number): void {
  if (!Number.isSafeInteger(number) || number < 1 || number > 0xffffffff) throw new RecordError(`${number} is not a tin number: tins are numbered from 1.`)
  if (d.tins[String(number)]) throw new RecordError(`Tin ${number} already exists.`)
  d.tins[String(number)] = { number, added_at: at }
}

export interface IssueTin {
  id: string
  tin: number
  collector: Member | undefined
  seal: string
  issuedBy: string
  at: number
}

export function checkIssueTin(doc: AnyDoc, issue: IssueTin): void {
  const seal = issue.seal.trim()
  if (!seal) throw refuse("refuseSealMissing")
  if (!doc.tins[String(issue.tin)]) throw new RecordError(`Tin ${issue.tin} is not part of this collection.`)
  if (activeCustody(doc, issue.tin)) throw refuse("refuseTinOut", issue.tin)
  if (!issue.collector) throw refuse("refuseMembershipNotHere")
  if (!issue.collector.age16plus) throw refuse("refuseUnder16Tin")
  const used = custodyLog(doc).find(c => c.seal.trim() === seal)
  if (used) throw refuse("refuseSealReused", seal, used.tin)
  if (doc.custody[issue.id]) throw new RecordError("Duplicate id; try again.")
}

export function issueTin(d: AnyDoc, issue: IssueTin): void {
  checkIssueTin(d, issue)
  d.custody[issue.id] = {
    tin: issue.tin,
    collector: I(issue.collector!.id),
    seal: I(issue.seal.trim()),
    issued_at: issue.at,
    issued_by: I(issue.issuedBy),
  }
}

/** The return of a tin: the three return fields, once, in one change. */
export function returnTin(d: AnyDoc, custody: string, ret: { at: number; to: string; sealIntact: boolean }): void {
  const entry = d.custody[custody]
  if (!entry) throw new RecordError("Unknown tin issue.")
  if (entry.returned_at !== undefined && entry.returned_at !== null) throw refuse("refuseTinReturned")
  entry.returned_at = ret.at
  entry.returned_to = I(ret.to)
  entry.seal_intact = ret.sealIntact
}

export interface NewTinDonation {
  id: string
  tin: number
  custody: string
  amountMinor: number
  currency: string
  at: number
  collector: string
  device: string
}

export function recordTinDonation(d: AnyDoc, n: NewTinDonation): void {
  if (!Number.isSafeInteger(n.amountMinor) || n.amountMinor <= 0) throw refuse("refuseAmount")
  if (str(d.currency) !== n.currency) throw new RecordError(`This collection is in ${str(d.currency)}.`)
  const active = activeCustody(d, n.tin)
  if (!active || active.id !== n.custody) throw refuse("refuseTinNotYours", n.tin)
  if (d.donations[n.id]) throw new RecordError("Duplicate id; try again.")
  d.donations[n.id] = {
    source: I("tin"),
    tin: n.tin,
    custody: I(n.custody),
    amount_minor: n.amountMinor,
    currency: I(n.currency),
    at: n.at,
    collector: I(n.collector),
    device: I(n.device),
  }
}

/** Where money outside a tin comes in (docs/schema.md `source`, less `tin`). */
export const OUTSIDE_SOURCES = ["card", "online", "cash", "other"] as const

/** A donation outside tins as the collection screen gives it to the writer. */
export interface NewDonation {
  id: string
  source: string
  amountMinor: number
  currency: string
  at: number
  collector: string
  device: string
  note?: string
}

/** Records money given outside a tin (a card payment, online, cash handed over, other), as core's `record_donation`. */
export function recordDonation(d: AnyDoc, n: NewDonation): void {
  if (!(OUTSIDE_SOURCES as readonly string[]).includes(n.source)) throw new RecordError(`${n.source} is not a source of money outside tins.`)
  if (!Number.isSafeInteger(n.amountMinor) || n.amountMinor <= 0) throw refuse("refuseAmount")
  if (str(d.currency) !== n.currency) throw new RecordError(`This collection is in ${str(d.currency)}.`)
  if (d.donations[n.id]) throw new RecordError("Duplicate id; try again.")
  const record: AnyDoc = {
    source: I(n.source),
    amount_minor: n.amountMinor,
    currency: I(n.currency),
    at: n.at,
    collector: I(n.collector),
    device: I(n.device),
  }
  if (n.note !== undefined) record.note = I(n.note)
  d.donations[n.id] = record
}

/** Reverses a donation recorded in error: a new entry with a reason, never a deletion. */
export function reverseDonation(d: AnyDoc, r: { id: string; donation: string; reason: string; by: string; at: number }): void {
  if (!r.reason.trim()) throw refuse("refuseReversalReason")
  if (!d.donations[r.donation]) throw new RecordError("Unknown donation.")
  if (reversedDonations(d).has(r.donation)) throw refuse("refuseAlreadyUndone")
  if (d.reversals[r.id]) throw new RecordError("Duplicate id; try again.")
  d.reversals[r.id] = { donation: I(r.donation), reason: I(r.reason.trim()), by: I(r.by), at: r.at }
}

export interface NewCount {
  id: string
  custody: string
  place: string
  at: number
  counter1: Member | undefined
  counter2: Member | undefined
  denominations: { value: number; quantity: number }[]
  /** Counters who signed before the count was saved (member id -> time). */
  signatures: Record<string, number>
}

export function countTotal(denominations: { value: number; quantity: number }[]): number {
  return denominations.reduce((sum, d) => sum + d.value * d.quantity, 0)
}

export function checkCount(doc: AnyDoc, n: NewCount): void {
  const custody = custodyLog(doc).find(c => c.id === n.custody)
  if (!custody) throw new RecordError("Choose the tin to count.")
  if (custody.returnedAt === undefined) throw refuse("refuseNotReturned", custody.tin)
  if (!n.counter1 || !n.counter2) throw refuse("refuseBothCounters")
  if (n.counter1.id === n.counter2.id) throw refuse("refuseSameCounter")
  for (const c of [n.counter1, n.counter2]) {
    if (!c.age16plus) throw refuse("refuseUnder16Count", c.name)
  }
  if (!n.place.trim()) throw refuse("refuseCountPlace")
  const seen = new Set<number>()
  for (const d of n.denominations) {
    if (!Number.isSafeInteger(d.value) || d.value <= 0 || !Number.isSafeInteger(d.quantity) || d.quantity <= 0 || seen.has(d.value)) {
      throw refuse("refuseWholeNumbers")
    }
    seen.add(d.value)
  }
  if (!Number.isSafeInteger(countTotal(n.denominations))) throw new RecordError("That total is too large.")
  const existing = counts(doc).find(c => c.custody === n.custody && c.active)
  if (existing) throw refuse("refuseAlreadyCounted", custody.tin)
  for (const member of Object.keys(n.signatures)) {
    if (member !== n.counter1.id && member !== n.counter2.id) throw refuse("refuseOnlyCounters")
  }
  if (doc.counts[n.id]) throw new RecordError("Duplicate id; try again.")
}

export function recordCount(d: AnyDoc, n: NewCount): void {
  checkCount(d, n)
  const custody = custodyLog(d).find(c => c.id === n.custody)!
  const denominations: Record<string, number> = {}
  for (const x of n.denominations) denominations[String(x.value)] = x.quantity
  d.counts[n.id] = {
    custody: I(n.custody),
    tin: custody.tin,
    place: I(n.place.trim()),
    at: n.at,
    counter1: I(n.counter1!.id),
    counter2: I(n.counter2!.id),
    amount_minor: countTotal(n.denominations),
    currency: I(str(d.currency) ?? ""),
    denominations,
    signatures: { ...n.signatures },
    supersedes: {},
  }
}

/**
 * A counter signs a saved count from their own phone (`by` is this phone's member): their key
 * added to `signatures`. Before a count is saved both counters sign on the one phone that
 * records it; once saved, a signature for another member would be refused by the server.
 */
export function signCount(d: AnyDoc, count: string, counter: string, by: string, at: number): void {
  const c = d.counts[count]
  if (!c) throw new RecordError("Unknown count.")
  if (str(c.counter1) !== counter && str(c.counter2) !== counter) throw refuse("refuseOnlyCounters")
  if (counter !== by) throw new RecordError("A saved count is signed by each counter on their own phone.")
  if (!c.signatures) throw new RecordError("This count cannot be signed (it has no signatures map).")
  if (c.signatures[counter] !== undefined) return
  c.signatures[counter] = at
}
