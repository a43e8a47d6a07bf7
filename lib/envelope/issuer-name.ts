import { ConfigurationError } from "../errors/kjp-error.js";

/**
 * What a trusted issuer may be called. Issuer names become parts of ledger keys (`msg#<iss>#<jti>`), log
 * fields and metric dimensions, so a name must not carry the key separator `#`, whitespace or control
 * characters, or anything else that could make two identities collide or a log line lie; URLs
 * (`https://crm.example.com`) and the usual `crm-rails` both fit.
 */
export const ISSUER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~:/@+-]{0,255}$/;

/** Throws ConfigurationError naming the problem; `where` says which setting held the name. */
export function checkIssuerName(name: unknown, where: string): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new ConfigurationError(`${where}: a trusted issuer has an empty name`);
  }
  if (!ISSUER_NAME_PATTERN.test(name)) {
    throw new ConfigurationError(
      `${where}: issuer name ${JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name)} is not accepted`,
      "an issuer name is 1-256 characters of A-Z a-z 0-9 . _ ~ : / @ + -, starting with a letter or digit " +
        "(no '#', spaces or control characters: issuer names are part of ledger keys)",
    );
  }
  return name;
}
