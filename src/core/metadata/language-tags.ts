/**
 * Language-tagged metadata members (RFC 7591 §2.2): `client_name#ja-Jpan-JP`.
 *
 * @module
 */

const ALNUM = '[A-Za-z0-9]';
const LANGUAGE = '(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})';
const SCRIPT = '(?:-[A-Za-z]{4})';
const REGION = '(?:-(?:[A-Za-z]{2}|[0-9]{3}))';
const VARIANT = `(?:-(?:${ALNUM}{5,8}|[0-9]${ALNUM}{3}))`;
const EXTENSION = `(?:-[0-9A-WY-Za-wy-z](?:-${ALNUM}{2,8})+)`;
const PRIVATE_USE = `(?:[xX](?:-${ALNUM}{1,8})+)`;
const LANGTAG = `${LANGUAGE}${SCRIPT}?${REGION}?${VARIANT}*${EXTENSION}*(?:-${PRIVATE_USE})?`;

/** Irregular and regular grandfathered tags of RFC 5646 §2.1, still well-formed. */
const GRANDFATHERED = [
  'en-GB-oed',
  'i-ami',
  'i-bnn',
  'i-default',
  'i-enochian',
  'i-hak',
  'i-klingon',
  'i-lux',
  'i-mingo',
  'i-navajo',
  'i-pwn',
  'i-tao',
  'i-tay',
  'i-tsu',
  'sgn-BE-FR',
  'sgn-BE-NL',
  'sgn-CH-DE',
  'art-lojban',
  'cel-gaulish',
  'no-bok',
  'no-nyn',
  'zh-guoyu',
  'zh-hakka',
  'zh-min',
  'zh-min-nan',
  'zh-xiang',
].map((tag) => tag.toLowerCase());

const WELL_FORMED = new RegExp(`^(?:${LANGTAG}|${PRIVATE_USE})$`);

/** Whether `tag` is a well-formed BCP 47 language tag (RFC 5646 §2.2.9). */
export function isWellFormedLanguageTag(tag: string): boolean {
  return WELL_FORMED.test(tag) || GRANDFATHERED.includes(tag.toLowerCase());
}

/** Splits `client_name#en` into its member name and tag; a key without `#` has no tag. */
export function splitLanguageTag(key: string): { member: string; tag: string | undefined } {
  const at = key.indexOf('#');
  if (at === -1) return { member: key, tag: undefined };
  return { member: key.slice(0, at), tag: key.slice(at + 1) };
}
