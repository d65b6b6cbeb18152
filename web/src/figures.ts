/**
 * The whole collection's figures as the phone shows them, read as core's reconciliation reads
 * them (`core/src/reports/reconciliation.rs`): a reversed donation is left out; a donation into
 * a tin is a tally of what collectors tapped (the tin's money counts once, through its count);
 * and once a return is submitted, the earliest return's heads close the ledger, so donations,
 * counts and ledger entries the document did not hold at those heads are post-close
 * adjustments: counted apart, never added to the figures the return covered.
 *
 * The conformance test (`tests/tests/web_conformance`) checks these against core on the same
 * documents.
 */
import * as A from "@automerge/automerge"
import { counts, donations, entries, num, str, type AnyDoc, type Donation } from "./schema"

export interface CollectionFigures {
  /** Donations recorded and not reversed, before the close. */
  recorded: number
  /** Of them, into tins. */
  inTins: number
  /** Of them, outside tins (card, online, cash, other). */
  outside: number
  /** Minor units tapped into tins (a tally, not money counted). */
  tallyMinor: number
  /** Minor units given outside tins. */
  outsideMinor: number
  /** Active counts before the close, and the cash they counted. */
  countedTins: number
  countedMinor: number
  /** Entries (donations, counts, ledger entries) that reached the document after the close. */
  postClose: number
  /** Of the money outside tins, cash handed over: banked with the tins' cash. */
  cashOutsideMinor: number
  /** The cash to bank (counted and cash outside tins), and the ledger's figures. */
  cashToBankMinor: number
  bankedMinor: number
  expensesMinor: number
  remittedMinor: number
  /** Banked minus the cash to bank: zero once it is all in the bank. */
  bankedMinusCashMinor: number
  /** Remitted minus (banked + card, online and other money - expenses). */
  remittedMinusDueMinor: number
}

/** The heads the earliest return submission recorded (by time, then id), or undefined. */
export function closingHeads(doc: AnyDoc): string[] | undefined {
  const returns = Object.entries((doc.returns ?? {}) as AnyDoc)
    .filter(([, r]) => r && typeof r === "object" && typeof r.submitted_at === "number")
    .sort(([a, x], [b, y]) => x.submitted_at - y.submitted_at || (a < b ? -1 : a > b ? 1 : 0))
  const first = returns[0]?.[1]
  if (!first || !Array.isArray(first.heads)) return undefined
  return first.heads.map((h: unknown) => String(str(h)))
}

/** The keys each container held at the close, or undefined while the collection is open. */
function keysAtClose(doc: AnyDoc): ((container: string) => Set<string>) | undefined {
  const heads = closingHeads(doc)
  if (!heads) return undefined
  let closed: AnyDoc
  try {
    closed = A.view(doc as A.Doc<AnyDoc>, heads)
  } catch {
    // The closing change has not reached this phone yet: nothing is post-close for it.
    return undefined
  }
  return container => new Set(Object.keys((closed[container] ?? {}) as AnyDoc))
}

/** The figures of `doc`; `all` is its donations when the caller has read them already. */
export function collectionFigures(doc: AnyDoc, all: Donation[] = donations(doc)): CollectionFigures {
  const atClose = keysAtClose(doc)
  const before = (container: string) => {
    const keys = atClose?.(container)
    return (id: string) => !keys || keys.has(id)
  }
  const donationBefore = before("donations")
  const countBefore = before("counts")
  const ledgerBefore = before("ledger")

  const allCounts = counts(doc)
  const recorded = all.filter(x => !x.reversed && donationBefore(x.id))
  const inTins = recorded.filter(x => x.source === "tin")
  const outside = recorded.filter(x => x.source !== "tin")
  const active = allCounts.filter(c => c.active && countBefore(c.id))
  const sum = (list: { amountMinor: number }[]) => list.reduce((s, x) => s + x.amountMinor, 0)
  const ledgerKeys = Object.keys((doc.ledger ?? {}) as AnyDoc)
  const cashOutsideMinor = sum(outside.filter(x => x.source === "cash"))
  const cashToBankMinor = sum(active) + cashOutsideMinor
  const ledger = entries(doc.ledger).map(([id, e]) => ({ id, kind: str(e.kind), reverses: str(e.reverses), amountMinor: num(e.amount_minor) ?? 0 }))
  const cancelled = new Set(ledger.filter(e => e.kind === "reversal").map(e => e.reverses))
  const ledgerSum = (kind: string) => sum(ledger.filter(e => e.kind === kind && !cancelled.has(e.id) && ledgerBefore(e.id)))
  const bankedMinor = ledgerSum("deposit")
  const expensesMinor = ledgerSum("expense")
  const remittedMinor = ledgerSum("remittance")
  return {
    cashOutsideMinor,
    cashToBankMinor,
    bankedMinor,
    expensesMinor,
    remittedMinor,
    bankedMinusCashMinor: bankedMinor - cashToBankMinor,
    remittedMinusDueMinor: remittedMinor - (bankedMinor + sum(outside) - cashOutsideMinor - expensesMinor),
    recorded: recorded.length,
    inTins: inTins.length,
    outside: outside.length,
    tallyMinor: sum(inTins),
    outsideMinor: sum(outside),
    countedTins: active.length,
    countedMinor: sum(active),
    postClose:
      all.filter(x => !donationBefore(x.id)).length +
      allCounts.filter(c => !countBefore(c.id)).length +
      ledgerKeys.filter(k => !ledgerBefore(k)).length,
  }
}
