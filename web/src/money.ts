/** Money as integer minor units and an ISO 4217 code: never a float in a record. */

/**
 * Digits of the minor unit per ISO 4217 code (2 for GBP, 0 for KRW and RWF, 3 for KWD):
 * generated from core's currency list (`Currency::all`); the conformance test fails when the
 * two differ (`CLUBSYNC_BLESS=1 cargo test -p clubsync-tests --test web_conformance` rewrites it).
 */
import CURRENCIES from "./currencies.json"

const DIGITS: Record<string, number> = CURRENCIES

/** True for a code money may be recorded in. */
export function isCurrency(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(DIGITS, code)
}

/** Digits of the currency's minor unit (2 for a code this build does not know). */
export function decimals(currency: string): number {
  return isCurrency(currency) ? DIGITS[currency] : 2
}

/** `1250` GBP -> `"12.50"`, `1250` KWD -> `"1.250"` (no symbol, no grouping: as core's `Money::decimal`). */
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

/**
 * An amount as typed -> minor units, or `null` when it is not one. The rule is core's
 * (`amount_text::parse_minor_units`): digits with at most one point, no more decimals than the
 * currency has, no sign, no thousands separators. Two things a phone keyboard adds are read
 * first: a leading currency symbol (`£5`) and a decimal comma (`12,50`, only where the comma
 * cannot be a thousands separator: one or two digits after it and no point).
 */
export function parseAmount(text: string, currency: string): number | null {
  const places = decimals(currency)
  let typed = text.trim().replace(/^[£$€₩¥]\s*/, "")
  if (/^\d*,\d{1,2}$/.test(typed)) typed = typed.replace(",", ".")
  const m = /^(\d*)(?:\.(\d*))?$/.exec(typed)
  if (!m || (m[1] === "" && !m[2])) return null
  const fraction = m[2] ?? ""
  if (fraction.length > places) return null
  const minor = Number(m[1] || "0") * 10 ** places + Number(fraction.padEnd(places, "0") || "0")
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
