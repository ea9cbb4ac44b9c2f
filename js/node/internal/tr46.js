// tr46's API as whatwg-url and url.js call it (UTS #46 IDNA processing), over the Rust `idna`
// crate, which implements the URL Standard's "domain to ASCII" (CheckBidi, CheckJoiners, no
// transitional processing; STD3 rules, hyphen and DNS length checks only when strict). ASCII
// names without punycode labels need no tables: they are only lowercased.
import { sys } from "./sys.js";

const plainAscii = (d) => /^[\x00-\x7f]*$/.test(d) && !/(^|\.)xn--/i.test(d);

/// The ASCII form of `domain`, or null when it is not a valid domain.
export function toASCII(domain, options = {}) {
  const strict = Boolean(options.useSTD3ASCIIRules);
  if (!strict && plainAscii(domain)) return domain.toLowerCase();
  return sys("idna", { domain, strict });
}

/// The Unicode form of `domain`, and whether processing found an error.
export function toUnicode(domain) {
  if (plainAscii(domain)) return { domain: domain.toLowerCase(), error: false };
  return sys("idna", { domain, unicode: true });
}

export default { toASCII, toUnicode };
