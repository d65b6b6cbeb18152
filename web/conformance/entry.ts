/** What the conformance runner checks: the app's record writers, money and figures, as shipped. */
export * as schema from "../src/schema"
export * as money from "../src/money"
export * as figures from "../src/figures"
export * as refusal from "../src/refusal"
