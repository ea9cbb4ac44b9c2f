/**
 * A user-written `VirtualFileSystem` mounted into VMs: the kernel sends each operation here
 * (`DriverCall`), it is mapped onto the object's methods, and the answer goes back with
 * `jsDriverReply`. This is the slow path (a round trip to the JS thread per operation); the
 * package's own backends are native.
 */
import { type NativeFs } from "./binding.js";
import type { VirtualFileSystem } from "./index.js";
/** The native handle that mounts `fs`. */
export declare function jsDriver(fs: VirtualFileSystem): NativeFs;
