/**
 * A collection's money after the count, as core's `collection/ledger.rs` keeps it: deposits
 * (the paying-in slip, who paid it in), expenses (what for, the receipt), remittances to the
 * NGO, a coordinator's reasoned difference, and reconciling: allowed once the deposits equal
 * the cash to bank (the tins' counts and cash handed over outside tins) or a difference of that
 * size is recorded. The writers and the reading are checked against core by the conformance
 * corpus.
 */
import { collectionFigures } from "./figures"
import { formatMinor } from "./money"
import { entries, I, num, RecordError, refuse, str, type AnyDoc } from "./schema"

export const LEDGER_KINDS = ["deposit", "remittance", "expense", "reversal", "difference"] as const

/** A ledger entry as the document holds it. */
export interface LedgerEntry {
  id: string
  kind: string
  amountMinor: number
  currency: string
  reference?: string
  reverses?: string
  createdBy: string
  device: string
  at: number
  note?: string
  reversed: boolean
}

/** Every ledger entry, reversed ones marked, newest first. */
export function ledgerEntries(doc: AnyDoc): LedgerEntry[] {
  const read = entries(doc.ledger).map(([id, e]) => ({
    id,
    kind: str(e.kind) ?? "",
    amountMinor: num(e.amount_minor) ?? 0,
    currency: str(e.currency) ?? "",
    reference: str(e.reference),
    reverses: str(e.reverses),
    createdBy: str(e.created_by) ?? "",
    device: str(e.device) ?? "",
    at: num(e.at) ?? 0,
    note: str(e.note),
    reversed: false,
  }))
  const reversed = new Set(read.filter(e => e.kind === "reversal" && e.reverses).map(e => e.reverses))
  return read.map(e => ({ ...e, reversed: reversed.has(e.id) })).sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
}

/** A ledger entry as a screen gives it to the writer. */
export interface NewLedgerEntry {
  id: string
  kind: string
  amountMinor: number
  currency: string
  reference?: string
  reverses?: string
  createdBy: string
  device: string
  at: number
  note?: string
}

/** Records a ledger entry in one change, as core's `record_ledger_entry`. */
export function recordLedgerEntry(d: AnyDoc, n: NewLedgerEntry): void {
  if (!(LEDGER_KINDS as readonly string[]).includes(n.kind)) throw new RecordError(`${n.kind} is not a kind of ledger entry.`)
  if (!Number.isSafeInteger(n.amountMinor) || n.amountMinor <= 0) throw refuse("refuseAmount")
  if (str(d.currency) !== n.currency) throw new RecordError(`This collection is in ${str(d.currency)}.`)
  if (n.kind === "reversal" && !n.reverses) throw new RecordError("A reversal names the entry it cancels.")
  if (n.kind === "reversal" && n.reverses && !d.ledger[n.reverses]) throw new RecordError("Unknown ledger entry.")
  if (n.kind === "difference" && !n.note?.trim()) throw refuse("refuseDifferenceReason")
  if (d.ledger[n.id]) throw new RecordError("Duplicate id; try again.")
  const record: AnyDoc = {
    kind: I(n.kind),
    amount_minor: n.amountMinor,
    currency: I(n.currency),
    created_by: I(n.createdBy),
    device: I(n.device),
    at: n.at,
  }
  if (n.reference !== undefined) record.reference = I(n.reference)
  if (n.reverses !== undefined) record.reverses = I(n.reverses)
  if (n.note !== undefined) record.note = I(n.note)
  d.ledger[n.id] = record
}

const STAGES = ["planned", "held", "counted", "reconciled", "return_submitted"] as const

/** The furthest stage the collection's status holds. */
export function collectionStage(doc: AnyDoc): string {
  return [...STAGES].reverse().find(s => num(doc.status?.[s]) !== undefined) ?? "planned"
}

/** Whether the collection may be reconciled now (core's `check_reconciled`). */
export function reconcilable(doc: AnyDoc): boolean {
  const f = collectionFigures(doc)
  const difference = f.bankedMinusCashMinor
  if (difference === 0) return true
  return ledgerEntries(doc).some(e => e.kind === "difference" && !e.reversed && e.amountMinor === Math.abs(difference))
}

/** Moves the collection to reconciled, as core's `advance_status(Reconciled)`. */
export function reconcile(d: AnyDoc, at: number): void {
  if (d.status.reconciled !== undefined) return
  const before = STAGES.indexOf(collectionStage(d) as (typeof STAGES)[number])
  if (before < STAGES.indexOf("reconciled") && !reconcilable(d)) {
    const f = collectionFigures(d)
    const currency = str(d.currency) ?? ""
    throw refuse("refuseNotReconciled", formatMinor(f.cashToBankMinor, currency), formatMinor(f.bankedMinor, currency))
  }
  d.status.reconciled = at
}
