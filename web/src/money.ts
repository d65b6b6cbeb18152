/** Money as integer minor units and an ISO 4217 code: never a float in a record. */

/** Minor units per major unit: 2 decimals unless the currency has none. */
const NO_DECIMALS = new Set(["JPY", "KRW", "ISK", "CLP", "VND", "UGX", "PYG", "XAF", "XOF"])

export function decimals(currency: string): number {
  return NO_DECIMALS.has(currency) ? 0 : 2
}

/** `1250` GBP -> `"12.50"` (no symbol, no grouping: what the totals show). */
export function formatMinor(minor: number, currency: string): string {
  const places = decimals(currency)
  const sign = minor < 0 ? "-" : ""
  const abs = Math.abs(minor)
  if (places === 0) return sign + String(abs)
  const scale = 10 ** places
  const major = Math.floor(abs / scale)
  const rest = String(abs % scale).padStart(places, "0")
  return `${sign}${major}.${rest}`
}

/** `"12.5"`, `"12,50"`, `"12"` -> minor units, or `null` for anything else. */
export function parseAmount(text: string, currency: string): number | null {
  const places = decimals(currency)
  const trimmed = text.trim().replace(/^[£$€₩¥]\s*/, "")
  const pattern = places === 0 ? /^(\d{1,9})$/ : /^(\d{1,9})(?:[.,](\d{1,2}))?$/
  const m = pattern.exec(trimmed)
  if (!m) return null
  const major = Number(m[1])
  const fraction = places === 0 ? 0 : Number((m[2] ?? "").padEnd(places, "0") || "0")
  const minor = major * 10 ** places + fraction
  return Number.isSafeInteger(minor) ? minor : null
}

/** Buttons for quick donations, per currency (minor units). */
export function presets(currency: string): number[] {
  switch (currency) {
    case "KRW":
      return [1000, 5000, 10000, 50000]
    case "JPY":
      return [100, 500, 1000, 5000]
    default:
      return [100, 200, 500, 1000, 2000]
  }
}

/** Coins and notes found in a tin, per currency (minor units), smallest first. */
export function denominations(currency: string): number[] {
  switch (currency) {
    case "KRW":
      return [10, 50, 100, 500, 1000, 5000, 10000, 50000]
    case "JPY":
      return [1, 5, 10, 50, 100, 500, 1000, 5000, 10000]
    case "USD":
    case "CAD":
    case "AUD":
      return [1, 5, 10, 25, 100, 200, 500, 1000, 2000, 5000, 10000]
    case "EUR":
      return [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]
    default:
      return [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
  }
}

/** The label of a coin or note: `"£2"`, `"50p"`. */
export function denominationLabel(minor: number, currency: string): string {
  const symbol: Record<string, string> = { GBP: "£", EUR: "€", USD: "$", KRW: "₩", JPY: "¥", CAD: "$", AUD: "$" }
  const places = decimals(currency)
  const s = symbol[currency] ?? ""
  if (places === 0) return `${s}${minor}`
  if (minor < 100) return currency === "GBP" ? `${minor}p` : `${s}0.${String(minor).padStart(2, "0")}`
  return minor % 100 === 0 ? `${s}${minor / 100}` : `${s}${formatMinor(minor, currency)}`
}
