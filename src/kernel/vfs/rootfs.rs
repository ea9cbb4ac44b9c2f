//! The tree every new VM starts from.
//!
//! It is built once per process and each VM [`fork`](super::MemFs::fork)s it in O(1): creating a
//! VM copies no files and allocates almost nothing until the guest changes something.

use std::sync::{Arc, LazyLock};

use super::fs::Cred;
use super::memfs::{Device, FsLimits, MemFs};

/// Home and default working directory of the `user` account.
pub const HOME: &str = "/home/user";

const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/bash\n\
user:x:1000:1000:user:/home/user:/bin/bash\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP: &[u8] = b"root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n";
const HOSTS: &[u8] = b"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
const HOSTNAME: &[u8] = b"agentos\n";
const OS_RELEASE: &[u8] =
    b"PRETTY_NAME=\"agentOS\"\nNAME=\"agentOS\"\nID=agentos\nID_LIKE=debian\n";
const SHELLS: &[u8] = b"/bin/sh\n/bin/bash\n";

static TEMPLATE: LazyLock<MemFs> = LazyLock::new(build);

fn build() -> MemFs {
    let fs = MemFs::new();
    let root = Cred::ROOT;
    let user = Cred::USER;
    let dirs: &[(&str, u32, Cred)] = &[
        ("/dev", 0o755, root),
        ("/etc", 0o755, root),
        ("/etc/agentos", 0o755, root),
        ("/home", 0o755, root),
        ("/home/user", 0o755, user),
        ("/home/agentos", 0o755, user),
        ("/mnt", 0o755, root),
        ("/opt", 0o755, root),
        ("/root", 0o700, root),
        ("/tmp", 0o1777, root),
        ("/usr", 0o755, root),
        ("/usr/bin", 0o755, root),
        ("/usr/lib", 0o755, root),
        ("/usr/local", 0o755, root),
        ("/usr/local/bin", 0o755, root),
        ("/usr/sbin", 0o755, root),
        ("/usr/share", 0o755, root),
        ("/var", 0o755, root),
        ("/var/log", 0o755, root),
        ("/var/tmp", 0o1777, root),
    ];
    // Building the template cannot fail on an empty tree; a failure would only leave a file out,
    // which the VM tests would show.
    for (path, perm, cred) in dirs {
        let _ = fs.mkdir_now(path, *perm, *cred);
    }
    let files: &[(&str, &'static [u8])] = &[
        ("/etc/passwd", PASSWD),
        ("/etc/group", GROUP),
        ("/etc/hosts", HOSTS),
        ("/etc/hostname", HOSTNAME),
        ("/etc/os-release", OS_RELEASE),
        ("/etc/shells", SHELLS),
    ];
    for (path, data) in files {
        let _ = fs.write_now(path, *data, 0o644, root);
    }
    // Debian's merged /usr: /bin and /sbin are links into /usr.
    let _ = fs.symlink_now("usr/bin", "/bin", root);
    let _ = fs.symlink_now("usr/sbin", "/sbin", root);
    for (path, dev) in [
        ("/dev/null", Device::Null),
        ("/dev/zero", Device::Zero),
        ("/dev/urandom", Device::Urandom),
        ("/dev/random", Device::Urandom),
    ] {
        let _ = fs.mknod_now(path, dev, 0o666);
    }
    // Opened specially by the kernel (they name the opener's own descriptors), as on Linux.
    for (path, target) in [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ] {
        let _ = fs.symlink_now(target, path, root);
    }
    // Every native command is a file in /usr/bin naming it, so PATH lookup, `ls /usr/bin` and
    // `command -v` behave as usual and packages can add real scripts beside them.
    let _ = fs.mkdir_now("/usr/lib/agentos", 0o755, root);
    for name in crate::commands::NAMES {
        let path = format!("/usr/bin/{name}");
        let _ = fs.write_now(&path, native_stub(name), 0o755, root);
    }
    fs
}

/// The interpreter line that marks a file as a native command: `#!/usr/lib/agentos/native NAME`.
pub const NATIVE_SHEBANG: &str = "#!/usr/lib/agentos/native ";

fn native_stub(name: &str) -> Vec<u8> {
    format!("{NATIVE_SHEBANG}{name}\n").into_bytes()
}

/// The base of `/etc/agentos/instructions.md`: what agents are told about the VM.
pub const INSTRUCTIONS: &str = include_str!("instructions.md");

/// Where the agent instructions are mounted (read-only, so agents cannot rewrite them).
pub const AGENTOS_ETC: &str = "/etc/agentos";

static BASE_ETC: LazyLock<Arc<MemFs>> = LazyLock::new(|| etc_with(INSTRUCTIONS));

fn etc_with(text: &str) -> Arc<MemFs> {
    let fs = MemFs::new();
    let _ = fs.write_now(
        "/instructions.md",
        text.as_bytes().to_vec(),
        0o644,
        Cred::ROOT,
    );
    Arc::new(fs)
}

/// The filesystem mounted at [`AGENTOS_ETC`]: the base instructions, shared by every VM, or
/// (with `additional`) its own copy with `additional` appended.
pub fn agentos_etc(additional: Option<&str>) -> Arc<MemFs> {
    match additional {
        None | Some("") => BASE_ETC.clone(),
        Some(extra) => etc_with(&format!("{INSTRUCTIONS}\n{extra}")),
    }
}

/// A fresh root filesystem for a new VM, with the VM's byte limits.
pub fn new_root(limits: FsLimits) -> Arc<MemFs> {
    let fs = TEMPLATE.fork(limits);
    // `maxFsBytes` bounds what the guest writes, not the system files it starts with.
    fs.forgive_existing();
    Arc::new(fs)
}
