/**
 * Petitions as docs/schema.md defines them: the petition's text and count, and the two records
 * the stall writes, a signature and (only when the separate box is ticked) its consent. Each
 * writer validates first and writes nothing when it refuses, as core's `Petition` does (the
 * conformance test holds both against core and the server's rules).
 */
import { entries, I, num, refuse, RecordError, str, type AnyDoc } from "./schema"

/** Consent to be contacted about the campaign: the purpose and the wording shown. */
export const CONSENT_PURPOSE = "campaign_updates"
export const CONSENT_WORDING_VERSION = "v1"
export const CONSENT_WORDING =
  "Yes, the club may contact me about this campaign. I can withdraw this at any time."

export interface PetitionView {
  title: string
  text: string
  textHash: string
  deadline?: number
  frozenAt?: number
  signatures: number
}

export function petition(doc: AnyDoc): PetitionView {
  return {
    title: str(doc.title) ?? "Petition",
    text: str(doc.text) ?? "",
    textHash: str(doc.text_hash) ?? "",
    deadline: num(doc.deadline),
    frozenAt: num(doc.frozen_at),
    signatures: entries(doc.signatures).length,
  }
}

export interface NewSignature {
  id: string
  name: string
  postcode: string
  town: string
  email: string
  at: number
  collector: string
}

export function checkSignature(doc: AnyDoc, n: NewSignature): void {
  const deadline = num(doc.deadline)
  if (deadline !== undefined && n.at > deadline) throw refuse("refusePetitionClosed")
  if (!n.name.trim()) throw refuse("refuseSignerName")
  if (!n.postcode.trim() && !n.town.trim()) throw refuse("refusePostcodeOrTown")
  if (!str(doc.text_hash)) throw new RecordError("This petition has no text to sign.")
  if (doc.signatures[n.id]) throw new RecordError("Duplicate id; try again.")
}

/** Records a signature; the first one freezes the text in the same change. */
export function sign(d: AnyDoc, n: NewSignature): void {
  checkSignature(d, n)
  const hash = str(d.text_hash)!
  if (d.frozen_at === undefined || d.frozen_at === null) {
    d.frozen_at = n.at
    d.frozen_hash = I(hash)
  }
  const record: AnyDoc = {
    text_hash: I(hash),
    name: I(n.name.trim()),
    at: n.at,
    collector: I(n.collector),
    source: I("device"),
  }
  if (n.postcode.trim()) record.postcode = I(n.postcode.trim())
  if (n.town.trim()) record.town = I(n.town.trim())
  if (n.email.trim()) record.email = I(n.email.trim())
  d.signatures[n.id] = record
}

/** The signer ticked the separate, unticked consent box: a consent event for their signature. */
export function recordConsent(d: AnyDoc, c: { id: string; signature: string; at: number; collector: string }): void {
  if (!d.signatures[c.signature]) throw new RecordError("Unknown signature.")
  if (d.consents[c.id]) throw new RecordError("Duplicate id; try again.")
  // `supersedes` lists the current events for this person and purpose; a new signature has none.
  const current: Record<string, boolean> = {}
  const events = entries(d.consents).filter(([, e]) => str(e.person) === c.signature && str(e.purpose) === CONSENT_PURPOSE)
  const replaced = new Set(events.flatMap(([, e]) => (e.supersedes ? Object.keys(e.supersedes) : [])))
  for (const [id] of events) if (!replaced.has(id)) current[id] = true
  d.consents[c.id] = {
    person: I(c.signature),
    purpose: I(CONSENT_PURPOSE),
    wording_version: I(CONSENT_WORDING_VERSION),
    method: I("device"),
    at: c.at,
    collector: I(c.collector),
    given: true,
    supersedes: current,
  }
}
