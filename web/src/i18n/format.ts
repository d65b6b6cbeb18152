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
  readonly #dayTime: Intl.DateTimeFormat
  readonly #wallClock: Intl.DateTimeFormat
  readonly #money = new Map<number, Intl.NumberFormat>()
  readonly #locale: string

  constructor(locale: string, readonly timeZone?: string) {
    this.#locale = locale
    this.#number = new Intl.NumberFormat(locale)
    this.#time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone })
    this.#day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone })
    this.#dayKey = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone })
    this.#dayTime = new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone })
    this.#wallClock = new Intl.DateTimeFormat("en-CA", {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone,
    })
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

  /** `Sat 14 Mar 10:00`: a day and a time on the club's clock, for an event. */
  dayTime(ms: number): string {
    return this.#dayTime.format(ms)
  }

  /** `2026-03-14T10:00` on the club's clock: the value of a `datetime-local` input. */
  inputValue(ms: number): string {
    const p = this.#parts(ms)
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`
  }

  /**
   * The moment a `datetime-local` value (`2026-03-14T10:00`) names on the club's clock, or
   * undefined when it is not one. The zone's offset is found from the moment itself (twice, so
   * a change of the clocks that day is followed).
   */
  fromInput(value: string): number | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value)
    if (!m) return undefined
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5])
    let guess = wall
    for (let i = 0; i < 2; i++) guess = wall - this.#offset(guess)
    return guess
  }

  /** How far the club's clock is ahead of UTC at `ms`. */
  #offset(ms: number): number {
    const p = this.#parts(ms)
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute) - Math.floor(ms / 60_000) * 60_000
  }

  #parts(ms: number): Record<string, string> {
    const parts = this.#wallClock.formatToParts(ms)
    return Object.fromEntries(parts.map(p => [p.type, p.value]))
  }

  /** The club's calendar day of a moment, `2026-12-07`. */
  day(ms: number): string {
    return this.#dayKey.format(ms)
  }
}
