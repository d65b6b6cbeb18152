/**
 * Sponsored activities (docs/schema.md "Sponsored activity"), as core's `sponsorship` reads and
 * writes them: a participant and how pledges are measured (flat or per km), each sponsor's
 * pledge with the Gift Aid tick (which needs the house and postcode), the distance completed,
 * payments, and what is pledged, paid and outstanding. Checked against core by the conformance
 * corpus.
 */
import { entries, I, num, RecordError, refuse, str, SCHEMA_VERSION, type AnyDoc } from "./schema"

export const PLEDGE_UNITS = ["flat", "per_km"] as const

export interface ActivityView {
  title: string
  participant: string
  unit: string
  currency: string
  unitsCompleted: number
}

export function activityView(doc: AnyDoc): ActivityView {
  return {
    title: str(doc.title) ?? "",
    participant: str(doc.participant) ?? "",
    unit: str(doc.unit) ?? "flat",
    currency: str(doc.currency) ?? "",
    unitsCompleted: num(doc.units_completed) ?? 0,
  }
}

export interface Pledge {
  id: string
  sponsorName: string
  house?: string
  postcode?: string
  amountMinor: number
  giftAid: boolean
  at: number
  pledgedMinor: number
  paidMinor: number
  outstandingMinor: number
}

/** Every pledge with what it comes to (flat, or rate x km completed), paid and outstanding, oldest first. */
export function pledges(doc: AnyDoc): Pledge[] {
  const view = activityView(doc)
  const paid = new Map<string, number>()
  for (const [, p] of entries(doc.payments)) {
    const pledge = str(p.pledge) ?? ""
    paid.set(pledge, (paid.get(pledge) ?? 0) + (num(p.amount_minor) ?? 0))
  }
  return entries(doc.pledges)
    .map(([id, p]) => {
      const amountMinor = num(p.amount_minor) ?? 0
      const pledgedMinor = view.unit === "per_km" ? amountMinor * view.unitsCompleted : amountMinor
      const paidMinor = paid.get(id) ?? 0
      return {
        id,
        sponsorName: str(p.sponsor_name) ?? "",
        house: str(p.house),
        postcode: str(p.postcode),
        amountMinor,
        giftAid: p.gift_aid === true,
        at: num(p.at) ?? 0,
        pledgedMinor,
        paidMinor,
        outstandingMinor: pledgedMinor - paidMinor,
      }
    })
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
}

/** The first change of a new sponsored activity (core's `SponsoredActivity::create`). */
export function newSponsoredActivity(a: { club: string; title: string; participant: string; unit: string; currency: string; at: number }): AnyDoc {
  if (!a.title.trim()) throw refuse("refuseActivityTitle")
  if (!(PLEDGE_UNITS as readonly string[]).includes(a.unit)) throw new RecordError(`${a.unit} is not how pledges are measured.`)
  return {
    kind: I("sponsored_activity"),
    schema_version: SCHEMA_VERSION,
    created_at: a.at,
    club: I(a.club),
    title: I(a.title),
    participant: I(a.participant),
    unit: I(a.unit),
    currency: I(a.currency),
    units_completed: 0,
    pledges: {},
    payments: {},
  }
}

function checkMoney(d: AnyDoc, amountMinor: number, currency: string): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw refuse("refuseAmount")
  if (str(d.currency) !== currency) throw new RecordError(`This activity is in ${str(d.currency)}.`)
}

/** A sponsor's pledge, as the door-to-door form gives it (core's `record_pledge`). */
export function recordPledge(
  d: AnyDoc,
  n: { id: string; sponsorName: string; house?: string; postcode?: string; amountMinor: number; currency: string; giftAid: boolean; at: number }
): void {
  checkMoney(d, n.amountMinor, n.currency)
  if (!n.sponsorName.trim()) throw refuse("refuseSponsorName")
  const blank = (v?: string) => v === undefined || !v.trim()
  if (n.giftAid && (blank(n.house) || blank(n.postcode))) throw refuse("refuseGiftAidAddress")
  if (d.pledges[n.id]) throw new RecordError("Duplicate id; try again.")
  const record: AnyDoc = { sponsor_name: I(n.sponsorName), amount_minor: n.amountMinor, currency: I(n.currency), gift_aid: n.giftAid, at: n.at }
  if (n.house !== undefined) record.house = I(n.house)
  if (n.postcode !== undefined) record.postcode = I(n.postcode)
  d.pledges[n.id] = record
}

/** Money received against a pledge (core's `record_payment`). */
export function recordPayment(
  d: AnyDoc,
  n: { id: string; pledge: string; amountMinor: number; currency: string; at: number; receivedBy: string; device: string }
): void {
  checkMoney(d, n.amountMinor, n.currency)
  if (!d.pledges[n.pledge]) throw new RecordError("Unknown pledge.")
  if (d.payments[n.id]) throw new RecordError("Duplicate id; try again.")
  d.payments[n.id] = {
    pledge: I(n.pledge),
    amount_minor: n.amountMinor,
    currency: I(n.currency),
    at: n.at,
    received_by: I(n.receivedBy),
    device: I(n.device),
  }
}

/** The distance completed, in whole km (core's `set_units_completed`). */
export function setDistance(d: AnyDoc, km: number): void {
  if (!Number.isSafeInteger(km) || km < 0) throw new RecordError("The distance is a whole number of km, 0 or more.")
  d.units_completed = km
}
