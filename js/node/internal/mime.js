// util.MIMEType and util.MIMEParams: WHATWG MIME type parsing and serialisation, after Node's
// lib/internal/mime.js.

const NOT_HTTP_TOKEN_CODE_POINT = /[^!#$%&'*+\-.^_`|~A-Za-z0-9]/g;
const NOT_HTTP_QUOTED_STRING_CODE_POINT = /[^\t\u0020-~\u0080-\u00FF]/g;
const END_BEGINNING_WHITESPACE = /[^\r\n\t ]|$/;
const START_ENDING_WHITESPACE = /[\r\n\t ]*$/;
const EQUALS_SEMICOLON_OR_END = /[;=]|$/;
const QUOTED_VALUE_PATTERN = /^(?:([\\]$)|[\\][\s\S]|[^"])*(?:(")|$)/u;

const search = (str, re) => {
  re.lastIndex = 0;
  return str.search(re);
};

function invalidSyntax(production, str, invalidIndex) {
  const e = new TypeError(`The MIME syntax for a ${production} in "${str}" is invalid${invalidIndex !== -1 ? ` at ${invalidIndex}` : ""}`);
  e.code = "ERR_INVALID_MIME_SYNTAX";
  return e;
}

const toASCIILower = (s) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

function parseTypeAndSubtype(str) {
  let position = search(str, END_BEGINNING_WHITESPACE);
  const typeEnd = str.indexOf("/", position);
  const trimmedType = typeEnd === -1 ? str.slice(position) : str.slice(position, typeEnd);
  const invalidTypeIndex = search(trimmedType, NOT_HTTP_TOKEN_CODE_POINT);
  if (trimmedType === "" || invalidTypeIndex !== -1 || typeEnd === -1) throw invalidSyntax("type", str, invalidTypeIndex);
  position = typeEnd + 1;
  const type = toASCIILower(trimmedType);
  const subtypeEnd = str.indexOf(";", position);
  const rawSubtype = subtypeEnd === -1 ? str.slice(position) : str.slice(position, subtypeEnd);
  position += rawSubtype.length;
  if (subtypeEnd !== -1) position += 1;
  const trimmedSubtype = rawSubtype.slice(0, search(rawSubtype, START_ENDING_WHITESPACE));
  const invalidSubtypeIndex = search(trimmedSubtype, NOT_HTTP_TOKEN_CODE_POINT);
  if (trimmedSubtype === "" || invalidSubtypeIndex !== -1) throw invalidSyntax("subtype", str, invalidSubtypeIndex);
  return [type, toASCIILower(trimmedSubtype), position];
}

function removeBackslashes(str) {
  let ret = "";
  let i = 0;
  for (; i < str.length - 1; i++) {
    const c = str[i];
    if (c === "\\") {
      i++;
      ret += str[i];
    } else {
      ret += c;
    }
  }
  if (i === str.length - 1) ret += str[i];
  return ret;
}

function escapeQuoteOrSolidus(str) {
  let result = "";
  for (const c of str) result += c === '"' || c === "\\" ? `\\${c}` : c;
  return result;
}

const encode = (value) => {
  if (value.length === 0) return '""';
  const encode = search(value, NOT_HTTP_TOKEN_CODE_POINT) !== -1;
  return encode ? `"${escapeQuoteOrSolidus(value)}"` : value;
};

export class MIMEParams {
  #data = new Map();

  delete(name) {
    this.#data.delete(name);
  }
  get(name) {
    return this.#data.has(name) ? this.#data.get(name) : null;
  }
  has(name) {
    return this.#data.has(name);
  }
  set(name, value) {
    name = `${name}`;
    value = `${value}`;
    const invalidNameIndex = search(name, NOT_HTTP_TOKEN_CODE_POINT);
    if (name.length === 0 || invalidNameIndex !== -1) throw invalidSyntax("parameter name", name, invalidNameIndex);
    const invalidValueIndex = search(value, NOT_HTTP_QUOTED_STRING_CODE_POINT);
    if (invalidValueIndex !== -1) throw invalidSyntax("parameter value", value, invalidValueIndex);
    this.#data.set(name, value);
  }
  *entries() {
    yield* this.#data.entries();
  }
  *keys() {
    yield* this.#data.keys();
  }
  *values() {
    yield* this.#data.values();
  }
  toString() {
    let ret = "";
    for (const [key, value] of this.#data) ret += `;${key}=${encode(value)}`;
    return ret;
  }
  toJSON() {
    return this.toString();
  }
  [Symbol.iterator]() {
    return this.#data.entries();
  }
  // Used by MIMEType's parser: parameters that parse are kept, first one wins.
  static _parse(str, position, params) {
    const endOfSource = search(str.slice(position), START_ENDING_WHITESPACE) + position;
    while (position < endOfSource) {
      position += search(str.slice(position), END_BEGINNING_WHITESPACE);
      const afterParameterName = search(str.slice(position), EQUALS_SEMICOLON_OR_END) + position;
      const parameterString = toASCIILower(str.slice(position, afterParameterName));
      position = afterParameterName;
      if (position < endOfSource) {
        const char = str[position];
        position += 1;
        if (char === ";") continue;
      }
      if (position >= endOfSource) break;
      let parameterValue;
      if (str[position] === '"') {
        position += 1;
        const insideMatch = QUOTED_VALUE_PATTERN.exec(str.slice(position));
        position += insideMatch[0].length;
        const inside = insideMatch[1] || insideMatch[2] ? insideMatch[0].slice(0, -1) : insideMatch[0];
        parameterValue = removeBackslashes(inside);
        if (insideMatch[1]) parameterValue += "\\";
      } else {
        const valueEnd = str.indexOf(";", position);
        const rawValue = valueEnd === -1 ? str.slice(position) : str.slice(position, valueEnd);
        position += rawValue.length;
        const trimmedValue = rawValue.slice(0, search(rawValue, START_ENDING_WHITESPACE));
        if (trimmedValue === "") continue;
        parameterValue = trimmedValue;
      }
      if (
        parameterString !== "" &&
        search(parameterString, NOT_HTTP_TOKEN_CODE_POINT) === -1 &&
        search(parameterValue, NOT_HTTP_QUOTED_STRING_CODE_POINT) === -1 &&
        !params.has(parameterString)
      ) {
        params.#data.set(parameterString, parameterValue);
      }
      position++;
    }
    return params;
  }
}
const parseParams = MIMEParams._parse;
delete MIMEParams._parse;

export class MIMEType {
  #type;
  #subtype;
  #parameters;
  constructor(string) {
    string = `${string}`;
    const [type, subtype, position] = parseTypeAndSubtype(string);
    this.#type = type;
    this.#subtype = subtype;
    this.#parameters = parseParams(string, position, new MIMEParams());
  }
  get type() {
    return this.#type;
  }
  set type(v) {
    v = `${v}`;
    const invalidTypeIndex = search(v, NOT_HTTP_TOKEN_CODE_POINT);
    if (v.length === 0 || invalidTypeIndex !== -1) throw invalidSyntax("type", v, invalidTypeIndex);
    this.#type = toASCIILower(v);
  }
  get subtype() {
    return this.#subtype;
  }
  set subtype(v) {
    v = `${v}`;
    const invalidSubtypeIndex = search(v, NOT_HTTP_TOKEN_CODE_POINT);
    if (v.length === 0 || invalidSubtypeIndex !== -1) throw invalidSyntax("subtype", v, invalidSubtypeIndex);
    this.#subtype = toASCIILower(v);
  }
  get essence() {
    return `${this.#type}/${this.#subtype}`;
  }
  get params() {
    return this.#parameters;
  }
  toString() {
    return `${this.#type}/${this.#subtype}${this.#parameters.toString()}`;
  }
  toJSON() {
    return this.toString();
  }
}
