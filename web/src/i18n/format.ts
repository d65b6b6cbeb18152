/**
 * Numbers, amounts and dates for one language and one time zone (the club's): every date the
 * app shows is the club's wall clock, so a club in Seoul collecting at 08:30 sees today's date
 * on a phone set to any zone.
 */
import { decimals, formatMinor } from "../money"

export class Format {
  readonly #number: Intl.NumberFormat
  readonly #time: Intl.DateTimeFormat
  readonly #day: Intl.DateTimeFormat
  readonly #dayKey: Intl.DateTimeFormat
  readonly #money = new Map<number, Intl.NumberFormat>()
  readonly #locale: string

  constructor(locale: string, readonly timeZone?: string) {
    this.#locale = locale
    this.#number = new Intl.NumberFormat(locale)
    this.#time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone })
    this.#day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone })
    this.#dayKey = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone })
  }

  /** A count: `1,234`. */
  number(n: number): string {
    return this.#number.format(n)
  }

  /** Minor units as an amount with the currency's decimals and the language's grouping, no symbol. */
  money(minor: number, currency: string): string {
    const places = decimals(currency)
    let nf = this.#money.get(places)
    if (!nf) {
      nf = new Intl.NumberFormat(this.#locale, { minimumFractionDigits: places, maximumFractionDigits: places })
      this.#money.set(places, nf)
    }
    // Formatted from the exact decimal text (Intl reads a numeric string without rounding).
    return nf.format(formatMinor(minor, currency) as unknown as number)
  }

  /** `14:05`, on the club's clock. */
  time(ms: number): string {
    return this.#time.format(ms)
  }

  /** `14:05` today (the club's today), `3 Mar 14:05` another day. */
  shortTime(ms: number, now = Date.now()): string {
    const time = this.time(ms)
    return this.#dayKey.format(ms) === this.#dayKey.format(now) ? time : `${this.#day.format(ms)} ${time}`
  }

  /** The club's calendar day of a moment, `2026-12-07`. */
  day(ms: number): string {
    return this.#dayKey.format(ms)
  }
}
