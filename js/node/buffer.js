import * as b from "buffer/";
export default { ...b, constants: { MAX_LENGTH: b.kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 } };
