/** What the conformance runner checks: the app's record writers, money, figures and event readings, as shipped. */
export * as schema from "../src/schema"
export * as events from "../src/events"
export * as petitions from "../src/petitions"
export * as money from "../src/money"
export * as figures from "../src/figures"
export * as refusal from "../src/refusal"
export * as flags from "../src/flags"
export * as ledger from "../src/ledger"
