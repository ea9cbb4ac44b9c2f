import { nanoid, customAlphabet } from "nanoid";
const id = nanoid();
console.log(id.length, /^[A-Za-z0-9_-]+$/.test(id), nanoid(10).length);
const hex = customAlphabet("0123456789abcdef", 12)();
console.log(hex.length, /^[0-9a-f]+$/.test(hex), nanoid() !== nanoid());
