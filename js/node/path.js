// `path`: POSIX paths (the VM is Linux). path-browserify is Node's own posix implementation.
import p from "path-browserify";

const posix = { ...p };
posix.posix = posix;
posix.win32 = posix;
posix.toNamespacedPath = (x) => x;
posix.matchesGlob = undefined;
export default posix;
