// esbuild renames colliding top-level bindings when it bundles (`class Blob` may become
// `Blob2` or `_Blob`), which changes `constructor.name` and so util.inspect output. Exported functions and
// classes get back the name they are exported under.
export function fixNames(obj) {
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value === "function" && value.name !== key && value.name.replace(/^_+|\d+$/g, "") === key) {
      Object.defineProperty(value, "name", { value: key, configurable: true });
    }
  }
  return obj;
}
