// `os`: the VM as a Linux machine. Host facts (hostname, memory, uptime, user) come from the
// kernel (`sys("os")`) when asked, never from the build machine.

import { sys } from "./internal/sys.js";
import { fixNames } from "./internal/names.js";

// Linux values (x64), as Node reports them; the VM is a Linux machine.
const signals = {"SIGHUP":1,"SIGINT":2,"SIGQUIT":3,"SIGILL":4,"SIGTRAP":5,"SIGABRT":6,"SIGIOT":6,"SIGBUS":7,"SIGFPE":8,"SIGKILL":9,"SIGUSR1":10,"SIGSEGV":11,"SIGUSR2":12,"SIGPIPE":13,"SIGALRM":14,"SIGTERM":15,"SIGCHLD":17,"SIGSTKFLT":16,"SIGCONT":18,"SIGSTOP":19,"SIGTSTP":20,"SIGTTIN":21,"SIGTTOU":22,"SIGURG":23,"SIGXCPU":24,"SIGXFSZ":25,"SIGVTALRM":26,"SIGPROF":27,"SIGWINCH":28,"SIGIO":29,"SIGPOLL":29,"SIGPWR":30,"SIGSYS":31};
const errno = {"E2BIG":7,"EACCES":13,"EADDRINUSE":98,"EADDRNOTAVAIL":99,"EAFNOSUPPORT":97,"EAGAIN":11,"EALREADY":114,"EBADF":9,"EBADMSG":74,"EBUSY":16,"ECANCELED":125,"ECHILD":10,"ECONNABORTED":103,"ECONNREFUSED":111,"ECONNRESET":104,"EDEADLK":35,"EDESTADDRREQ":89,"EDOM":33,"EDQUOT":122,"EEXIST":17,"EFAULT":14,"EFBIG":27,"EHOSTUNREACH":113,"EIDRM":43,"EILSEQ":84,"EINPROGRESS":115,"EINTR":4,"EINVAL":22,"EIO":5,"EISCONN":106,"EISDIR":21,"ELOOP":40,"EMFILE":24,"EMLINK":31,"EMSGSIZE":90,"EMULTIHOP":72,"ENAMETOOLONG":36,"ENETDOWN":100,"ENETRESET":102,"ENETUNREACH":101,"ENFILE":23,"ENOBUFS":105,"ENODATA":61,"ENODEV":19,"ENOENT":2,"ENOEXEC":8,"ENOLCK":37,"ENOLINK":67,"ENOMEM":12,"ENOMSG":42,"ENOPROTOOPT":92,"ENOSPC":28,"ENOSR":63,"ENOSTR":60,"ENOSYS":38,"ENOTCONN":107,"ENOTDIR":20,"ENOTEMPTY":39,"ENOTSOCK":88,"ENOTSUP":95,"ENOTTY":25,"ENXIO":6,"EOPNOTSUPP":95,"EOVERFLOW":75,"EPERM":1,"EPIPE":32,"EPROTO":71,"EPROTONOSUPPORT":93,"EPROTOTYPE":91,"ERANGE":34,"EROFS":30,"ESPIPE":29,"ESRCH":3,"ESTALE":116,"ETIME":62,"ETIMEDOUT":110,"ETXTBSY":26,"EWOULDBLOCK":11,"EXDEV":18};
const priority = {"PRIORITY_LOW":19,"PRIORITY_BELOW_NORMAL":10,"PRIORITY_NORMAL":0,"PRIORITY_ABOVE_NORMAL":-7,"PRIORITY_HIGH":-14,"PRIORITY_HIGHEST":-20};
const dlopen = {"RTLD_LAZY":1,"RTLD_NOW":2,"RTLD_GLOBAL":256,"RTLD_LOCAL":0,"RTLD_DEEPBIND":8};
// libuv error numbers and messages (util.getSystemErrorMap): [errno, [name, message]].
const uvErrors = [[-7,["E2BIG","argument list too long"]],[-13,["EACCES","permission denied"]],[-98,["EADDRINUSE","address already in use"]],[-99,["EADDRNOTAVAIL","address not available"]],[-97,["EAFNOSUPPORT","address family not supported"]],[-11,["EAGAIN","resource temporarily unavailable"]],[-3000,["EAI_ADDRFAMILY","address family not supported"]],[-3001,["EAI_AGAIN","temporary failure"]],[-3002,["EAI_BADFLAGS","bad ai_flags value"]],[-3013,["EAI_BADHINTS","invalid value for hints"]],[-3003,["EAI_CANCELED","request canceled"]],[-3004,["EAI_FAIL","permanent failure"]],[-3005,["EAI_FAMILY","ai_family not supported"]],[-3006,["EAI_MEMORY","out of memory"]],[-3007,["EAI_NODATA","no address"]],[-3008,["EAI_NONAME","unknown node or service"]],[-3009,["EAI_OVERFLOW","argument buffer overflow"]],[-3014,["EAI_PROTOCOL","resolved protocol is unknown"]],[-3010,["EAI_SERVICE","service not available for socket type"]],[-3011,["EAI_SOCKTYPE","socket type not supported"]],[-114,["EALREADY","connection already in progress"]],[-9,["EBADF","bad file descriptor"]],[-16,["EBUSY","resource busy or locked"]],[-125,["ECANCELED","operation canceled"]],[-4080,["ECHARSET","invalid Unicode character"]],[-103,["ECONNABORTED","software caused connection abort"]],[-111,["ECONNREFUSED","connection refused"]],[-104,["ECONNRESET","connection reset by peer"]],[-89,["EDESTADDRREQ","destination address required"]],[-17,["EEXIST","file already exists"]],[-14,["EFAULT","bad address in system call argument"]],[-27,["EFBIG","file too large"]],[-113,["EHOSTUNREACH","host is unreachable"]],[-4,["EINTR","interrupted system call"]],[-22,["EINVAL","invalid argument"]],[-5,["EIO","i/o error"]],[-106,["EISCONN","socket is already connected"]],[-21,["EISDIR","illegal operation on a directory"]],[-40,["ELOOP","too many symbolic links encountered"]],[-24,["EMFILE","too many open files"]],[-90,["EMSGSIZE","message too long"]],[-36,["ENAMETOOLONG","name too long"]],[-100,["ENETDOWN","network is down"]],[-101,["ENETUNREACH","network is unreachable"]],[-23,["ENFILE","file table overflow"]],[-105,["ENOBUFS","no buffer space available"]],[-19,["ENODEV","no such device"]],[-2,["ENOENT","no such file or directory"]],[-12,["ENOMEM","not enough memory"]],[-64,["ENONET","machine is not on the network"]],[-92,["ENOPROTOOPT","protocol not available"]],[-28,["ENOSPC","no space left on device"]],[-38,["ENOSYS","function not implemented"]],[-107,["ENOTCONN","socket is not connected"]],[-20,["ENOTDIR","not a directory"]],[-39,["ENOTEMPTY","directory not empty"]],[-88,["ENOTSOCK","socket operation on non-socket"]],[-95,["ENOTSUP","operation not supported on socket"]],[-75,["EOVERFLOW","value too large for defined data type"]],[-1,["EPERM","operation not permitted"]],[-32,["EPIPE","broken pipe"]],[-71,["EPROTO","protocol error"]],[-93,["EPROTONOSUPPORT","protocol not supported"]],[-91,["EPROTOTYPE","protocol wrong type for socket"]],[-34,["ERANGE","result too large"]],[-30,["EROFS","read-only file system"]],[-108,["ESHUTDOWN","cannot send after transport endpoint shutdown"]],[-29,["ESPIPE","invalid seek"]],[-3,["ESRCH","no such process"]],[-110,["ETIMEDOUT","connection timed out"]],[-26,["ETXTBSY","text file is busy"]],[-18,["EXDEV","cross-device link not permitted"]],[-4094,["UNKNOWN","unknown error"]],[-4095,["EOF","end of file"]],[-6,["ENXIO","no such device or address"]],[-31,["EMLINK","too many links"]],[-112,["EHOSTDOWN","host is down"]],[-121,["EREMOTEIO","remote I/O error"]],[-25,["ENOTTY","inappropriate ioctl for device"]],[-4028,["EFTYPE","inappropriate file type or format"]],[-84,["EILSEQ","illegal byte sequence"]],[-94,["ESOCKTNOSUPPORT","socket type not supported"]],[-61,["ENODATA","no data available"]],[-49,["EUNATCH","protocol driver not attached"]]];

const info = () => sys("os");
const env = () => globalThis.process?.env ?? {};

function userInfo(options = {}) {
  const i = info();
  const enc = typeof options === "string" ? options : options?.encoding;
  const conv = (s) => (enc === "buffer" ? globalThis.Buffer.from(s) : s);
  return { uid: i.uid, gid: i.gid, username: conv(i.username), homedir: conv(i.homedir), shell: conv(i.shell) };
}

function cpus() {
  // One virtual CPU; its times are this process's CPU time (ms), the rest of uptime idle.
  const i = info();
  const user = Math.round(Number(sys("cpuUsage")) / 1000);
  const idle = Math.max(0, Math.round(i.uptime * 1000) - user);
  const out = [];
  for (let n = 0; n < i.cpus; n++) out.push({ model: "agentOS virtual CPU", speed: 0, times: { user, nice: 0, sys: 0, idle, irq: 0 } });
  return out;
}

function networkInterfaces() {
  return {
    lo: [
      { address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: true, cidr: "127.0.0.1/8" },
      { address: "::1", netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", family: "IPv6", mac: "00:00:00:00:00:00", internal: true, cidr: "::1/128", scopeid: 0 },
    ],
  };
}

function tmpdir() {
  const e = env();
  let p = e.TMPDIR || e.TMP || e.TEMP || "/tmp";
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

function homedir() {
  return env().HOME || info().homedir;
}

// Scheduling priorities are accepted and remembered per pid; the VM does not schedule by them.
const priorities = new Map();
function checkPriority(p) {
  if (!Number.isInteger(p) || p < -20 || p > 19) {
    throw Object.assign(new RangeError(`The value of "priority" is out of range. It must be >= -20 && <= 19. Received ${p}`), { code: "ERR_OUT_OF_RANGE" });
  }
}
function getPriority(pid = 0) {
  return priorities.get(pid || globalThis.process?.pid) ?? 0;
}
function setPriority(pid, priority) {
  if (priority === undefined) [pid, priority] = [0, pid];
  checkPriority(priority);
  priorities.set(pid || globalThis.process?.pid, priority);
}

export const constants = Object.freeze({
  UV_UDP_REUSEADDR: 4,
  dlopen: Object.freeze(dlopen),
  errno: Object.freeze(errno),
  signals: Object.freeze(signals),
  priority: Object.freeze(priority),
});

/// [errno, [name, message]] pairs for util.getSystemErrorMap/getSystemErrorName.
export { uvErrors };

const os = {
  EOL: "\n",
  devNull: "/dev/null",
  constants,
  arch: () => globalThis.process?.arch ?? "x64",
  machine: () => info().machine,
  platform: () => "linux",
  type: () => "Linux",
  release: () => info().release,
  version: () => info().version,
  hostname: () => info().hostname,
  homedir,
  tmpdir,
  userInfo,
  cpus,
  availableParallelism: () => info().cpus,
  totalmem: () => info().totalmem,
  freemem: () => info().freemem,
  uptime: () => info().uptime,
  loadavg: () => [0, 0, 0],
  networkInterfaces,
  endianness: () => "LE",
  getPriority,
  setPriority,
};
export default fixNames(os);
