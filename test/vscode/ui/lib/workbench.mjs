// The workbench's elements as the UI tests find them: one place for selectors that VS Code
// releases may change.

/** The quick pick's first row that contains `text`. */
export function quickPickRow(page, text) {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
}
