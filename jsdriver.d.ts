/**
 * A user-written `VirtualFileSystem` mounted into VMs: the kernel sends each operation here
 * (`DriverCall`), it is mapped onto the object's methods, and the answer goes back with
 * `jsDriverReply`. This is the slow path (a round trip to the JS thread per operation); the
 * package's own backends are native.
 */
import { type DriverCall, type DriverReply, type NativeFs } from "./binding.js";
import type { VirtualFileSystem } from "./index.js";
/** Run one kernel operation on `fs`; a failure is its POSIX code (else `EIO`). */
export declare function runDriverCall(fs: VirtualFileSystem, call: DriverCall): Promise<DriverReply>;
/** The native handle that mounts `fs`. */
export declare function jsDriver(fs: VirtualFileSystem): NativeFs;
