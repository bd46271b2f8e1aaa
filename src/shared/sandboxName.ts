/** Docker's container-name rule, as sandbox names are part of the container name. */
const SANDBOX_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** An error text for the name box and the create form, or `undefined` for a usable (or empty: generated) name. */
export function validateSandboxName(value: string): string | undefined {
  const name = value.trim();
  if (name === '' || SANDBOX_NAME.test(name)) {
    return undefined;
  }
  return name.length > 63 ? 'Use at most 63 characters.' : 'Use letters, digits, "_", "." and "-", starting with a letter or digit.';
}
