/**
 * The translation layer: the language of this phone (chosen on the home screen, else the
 * browser's), its words (`en.ts`, `ko.ts`), and every number, amount and date formatted for
 * that language in the club's time zone (`format.ts`).
 */
import { createContext, useContext, useMemo, useState, type ReactNode } from "react"

import { en, type Messages } from "./en"
import { Format } from "./format"
import { ko } from "./ko"

/** The languages the app speaks, by code. */
export const LANGUAGES = { en, ko } as const
export type Language = keyof typeof LANGUAGES

/** The locale each language formats numbers and dates in (English as in the UK: 24-hour clock, day before month). */
const FORMAT_LOCALE: Record<Language, string> = { en: "en-GB", ko: "ko-KR" }

const CHOSEN = "clubsync.language"

/** The language chosen on this phone, else the browser's first that the app speaks, else English. */
export function initialLanguage(): Language {
  const chosen = localStorage.getItem(CHOSEN)
  if (chosen && chosen in LANGUAGES) return chosen as Language
  for (const tag of navigator.languages ?? [navigator.language]) {
    const code = tag.toLowerCase().split("-")[0]
    if (code in LANGUAGES) return code as Language
  }
  return "en"
}

export interface Locale {
  language: Language
  t: Messages
  format: Format
  setLanguage(language: Language): void
}

const LocaleContext = createContext<Locale | undefined>(undefined)

/** Gives the screens below the language and the club's time zone (undefined: the phone's). */
export function LocaleProvider({ timeZone, children }: { timeZone?: string; children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage)
  const locale = useMemo<Locale>(() => {
    document.documentElement.lang = language
    return {
      language,
      t: LANGUAGES[language],
      format: new Format(FORMAT_LOCALE[language], timeZone),
      setLanguage(next) {
        localStorage.setItem(CHOSEN, next)
        setLanguageState(next)
      },
    }
  }, [language, timeZone])
  return <LocaleContext.Provider value={locale}>{children}</LocaleContext.Provider>
}

/** The language, its words and its formats. */
export function useLocale(): Locale {
  const locale = useContext(LocaleContext)
  if (!locale) throw new Error("useLocale outside a LocaleProvider")
  return locale
}
