/**
 * Characters that change how text is displayed without being seen: controls (NUL, ESC, CR, LF, …), format characters
 * (right-to-left overrides, zero-width joiners) and the Unicode line and paragraph separators. Typed into a name
 * they can clear an investigator's terminal, set its title, or make "alice" read as another name.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const HIDDEN_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** True when the text holds a hidden character (a line feed is allowed where `multiline` says so). */
export function hasHiddenCharacters(text: string, options: { multiline?: boolean } = {}): boolean {
  return HIDDEN.test(options.multiline ? text.replace(/\n/g, '') : text);
}

/** The text with every hidden character written out visibly (`\u{1b}`), for records and terminals. */
export function escapeHidden(text: string): string {
  return text.replace(HIDDEN_ALL, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}
