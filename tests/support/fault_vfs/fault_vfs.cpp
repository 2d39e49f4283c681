// A fault-injecting SQLite VFS for whole-binary tests (tests/integration/fault_injection_test.cpp),
// after SQLite's own anomaly tests (sqlite.org/testing.html §3) and leveldb's fault-injection Env.
//
// LD_PRELOAD this library into `ventanilla serve`: at load time it registers a VFS wrapping the
// default one and makes it the default, so every connection the gateway opens goes through it.
// It also interposes fdatasync(2), because with storage.synchronous = "full" the writer syncs the
// WAL itself (StorageWriter::sync_wal) and SQLite's xSync never sees a commit.
//
// Steered at run time by the file named in VENTANILLA_FAULT_CONTROL, re-read whenever it changes
// (write it to a temporary name and rename it over, so every change is a new inode). One line:
//
//   off                       no faults (also: no file, an empty or unreadable one)
//   write N once              the Nth write after this line fails (SQLITE_IOERR_WRITE), later pass
//   write N forever           the Nth write and every one after it fail
//   sync N once|forever       the same for syncs: SQLITE_IOERR_FSYNC from xSync, EIO from fdatasync
//   fdatasync N once|forever  the same, counting only the gateway's own fdatasync of the WAL
//   full                      every write fails with SQLITE_FULL (disk full) until the line changes
//
// What counts: a "write" is one xWrite on a main database or WAL file of any connection (a commit
// of k pages is k WAL frame writes, plus the WAL header when the WAL restarts; checkpoints write
// the main file). A "sync" is one xSync on a main database or WAL file (SQLite syncs the WAL header
// when the WAL restarts, in COMMIT with synchronous >= NORMAL), or one fdatasync of a descriptor
// open on a file named *-wal that did not come from SQLite's own xSync. Temp files, journals and
// the shared-memory index are never failed.
//
// Every injected failure appends "<kind> <n>" (kind: write, full, sync, fdatasync) to
// $VENTANILLA_FAULT_CONTROL.log, so a test can tell that its fault actually fired.
//
// Test machinery only: never linked into the gateway.

#include <dlfcn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace {

enum class Op { kWrite, kXSync, kFdatasync };

struct Fault {
  enum class Kind { kOff, kWrite, kSync, kFdatasync, kFull } kind = Kind::kOff;
  long nth = 0;
  bool forever = false;
};

struct ControlState {
  std::mutex mutex;
  std::string path;  // empty: no control file named, never inject
  // Identity of the control file last read: a change re-arms the counters.
  ino_t inode = 0;
  dev_t device = 0;
  long long mtime_ns = -1;
  off_t size = -1;
  Fault fault;
  long writes = 0;  // counted since the current line was read
  long syncs = 0;
  long fdatasyncs = 0;
};

ControlState& control() {
  static ControlState state;
  return state;
}

Fault parse_fault(const std::string& line) {
  Fault f;
  char what[16] = {};
  char mode[16] = {};
  long n = 0;
  const int fields = std::sscanf(line.c_str(), "%15s %ld %15s", what, &n, mode);
  if (fields >= 1 && std::strcmp(what, "full") == 0) {
    f.kind = Fault::Kind::kFull;
    f.nth = 1;
    f.forever = true;
    return f;
  }
  if (fields < 2 || n < 1) return f;
  if (std::strcmp(what, "write") == 0) {
    f.kind = Fault::Kind::kWrite;
  } else if (std::strcmp(what, "sync") == 0) {
    f.kind = Fault::Kind::kSync;
  } else if (std::strcmp(what, "fdatasync") == 0) {
    f.kind = Fault::Kind::kFdatasync;
  } else {
    return f;
  }
  f.nth = n;
  f.forever = fields == 3 && std::strcmp(mode, "forever") == 0;
  return f;
}

// Called with the mutex held.
void refresh(ControlState& s) {
  struct stat st {};
  if (::stat(s.path.c_str(), &st) != 0) {
    s.fault = {};
    s.inode = 0;
    s.mtime_ns = -1;
    s.size = -1;
    return;
  }
  const long long mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL +
                             static_cast<long long>(st.st_mtim.tv_nsec);
  if (st.st_ino == s.inode && st.st_dev == s.device && mtime_ns == s.mtime_ns &&
      st.st_size == s.size) {
    return;
  }
  s.inode = st.st_ino;
  s.device = st.st_dev;
  s.mtime_ns = mtime_ns;
  s.size = st.st_size;
  s.writes = 0;
  s.syncs = 0;
  s.fdatasyncs = 0;
  std::string line;
  if (std::FILE* in = std::fopen(s.path.c_str(), "r")) {
    char buffer[128] = {};
    if (std::fgets(buffer, sizeof buffer, in) != nullptr) line = buffer;
    std::fclose(in);
  }
  s.fault = parse_fault(line);
}

void record(const ControlState& s, const char* kind, long n) {
  const std::string log = s.path + ".log";
  if (std::FILE* out = std::fopen(log.c_str(), "a")) {
    std::fprintf(out, "%s %ld\n", kind, n);
    std::fclose(out);
  }
}

// Whether the `n`th operation fails under `f` (counted from 1 since the line was read).
bool hits(const Fault& f, long n) { return n == f.nth || (f.forever && n > f.nth); }

// What the next operation of kind `op` returns: SQLITE_OK, or the error to inject.
int next(Op op) {
  ControlState& s = control();
  if (s.path.empty()) return SQLITE_OK;
  std::lock_guard lock(s.mutex);
  refresh(s);
  const Fault& f = s.fault;
  if (op == Op::kWrite) {
    const long n = ++s.writes;
    if (f.kind == Fault::Kind::kFull) {
      record(s, "full", n);
      return SQLITE_FULL;
    }
    if (f.kind == Fault::Kind::kWrite && hits(f, n)) {
      record(s, "write", n);
      return SQLITE_IOERR_WRITE;
    }
    return SQLITE_OK;
  }
  const long n = ++s.syncs;
  if (op == Op::kXSync) {
    if (f.kind != Fault::Kind::kSync || !hits(f, n)) return SQLITE_OK;
    record(s, "sync", n);
    return SQLITE_IOERR_FSYNC;
  }
  const long own = ++s.fdatasyncs;
  if ((f.kind == Fault::Kind::kSync && hits(f, n)) ||
      (f.kind == Fault::Kind::kFdatasync && hits(f, own))) {
    record(s, "fdatasync", f.kind == Fault::Kind::kSync ? n : own);
    return SQLITE_IOERR_FSYNC;
  }
  return SQLITE_OK;
}

// --- The VFS -------------------------------------------------------------------------------------

sqlite3_vfs* g_base = nullptr;
sqlite3_vfs g_vfs;
thread_local bool t_in_xsync = false;  // SQLite's xSync reaches fdatasync: count it once

struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;  // the base VFS's file, allocated right after this struct
  bool counted;        // a main database or WAL file
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }
bool counted(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->counted; }

int fault_close(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  return real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
}
int fault_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), buffer, amount, offset);
}
int fault_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (counted(f)) {
    if (const int rc = next(Op::kWrite); rc != SQLITE_OK) return rc;
  }
  return real_of(f)->pMethods->xWrite(real_of(f), buffer, amount, offset);
}
int fault_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int fault_sync(sqlite3_file* f, int flags) {
  if (counted(f)) {
    if (const int rc = next(Op::kXSync); rc != SQLITE_OK) return rc;
  }
  t_in_xsync = true;
  const int rc = real_of(f)->pMethods->xSync(real_of(f), flags);
  t_in_xsync = false;
  return rc;
}
int fault_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int fault_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int fault_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int fault_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int fault_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int fault_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int fault_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int fault_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}
int fault_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void fault_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int fault_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}
int fault_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  // Only reads are mapped: SQLite writes pages through xWrite even with mmap_size set.
  return real_of(f)->pMethods->xFetch(real_of(f), offset, amount, out);
}
int fault_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), offset, page);
}

const sqlite3_io_methods g_io_v3 = {
    3,
    fault_close,
    fault_read,
    fault_write,
    fault_truncate,
    fault_sync,
    fault_file_size,
    fault_lock,
    fault_unlock,
    fault_check_reserved_lock,
    fault_file_control,
    fault_sector_size,
    fault_device_characteristics,
    fault_shm_map,
    fault_shm_lock,
    fault_shm_barrier,
    fault_shm_unmap,
    fault_fetch,
    fault_unfetch,
};

int fault_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* ff = reinterpret_cast<FaultFile*>(file);
  ff->base.pMethods = nullptr;
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  ff->real->pMethods = nullptr;
  ff->counted = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  const int rc = g_base->xOpen(g_base, name, ff->real, flags, out_flags);
  // On failure SQLite calls no method of the file: leave pMethods null (the real one may have
  // set its own, which fault_close would then never release, so close it here).
  if (rc != SQLITE_OK) {
    if (ff->real->pMethods != nullptr) ff->real->pMethods->xClose(ff->real);
    return rc;
  }
  // Only the version the base file supports: SQLite checks iVersion before xShm*/xFetch.
  static sqlite3_io_methods v1 = [] {
    sqlite3_io_methods m = g_io_v3;
    m.iVersion = 1;
    return m;
  }();
  static sqlite3_io_methods v2 = [] {
    sqlite3_io_methods m = g_io_v3;
    m.iVersion = 2;
    return m;
  }();
  const int version = ff->real->pMethods->iVersion;
  ff->base.pMethods = version >= 3 ? &g_io_v3 : version == 2 ? &v2 : &v1;
  return SQLITE_OK;
}

int fault_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_base->xDelete(g_base, name, sync_dir);
}
int fault_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_base->xAccess(g_base, name, flags, out);
}
int fault_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_base->xFullPathname(g_base, name, size, out);
}
void* fault_dl_open(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void fault_dl_error(sqlite3_vfs*, int size, char* out) { g_base->xDlError(g_base, size, out); }
void (*fault_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_base->xDlSym(g_base, handle, symbol);
}
void fault_dl_close(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int fault_randomness(sqlite3_vfs*, int size, char* out) {
  return g_base->xRandomness(g_base, size, out);
}
int fault_sleep(sqlite3_vfs*, int microseconds) { return g_base->xSleep(g_base, microseconds); }
int fault_current_time(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int fault_get_last_error(sqlite3_vfs*, int size, char* out) {
  return g_base->xGetLastError != nullptr ? g_base->xGetLastError(g_base, size, out) : 0;
}
int fault_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_base->xCurrentTimeInt64(g_base, out);
}

__attribute__((constructor)) void register_fault_vfs() {
  if (const char* path = std::getenv("VENTANILLA_FAULT_CONTROL"); path != nullptr && *path) {
    control().path = path;
  }
  if (sqlite3_initialize() != SQLITE_OK) return;
  g_base = sqlite3_vfs_find(nullptr);
  if (g_base == nullptr) return;
  g_vfs = sqlite3_vfs{};
  // Version 2: xCurrentTimeInt64 (the unix VFS is version 3, but its syscall overrides are for
  // SQLite's own tests and not needed here).
  g_vfs.iVersion = 2;
  g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_base->szOsFile;
  g_vfs.mxPathname = g_base->mxPathname;
  g_vfs.zName = "ventanilla-fault";
  g_vfs.xOpen = fault_open;
  g_vfs.xDelete = fault_delete;
  g_vfs.xAccess = fault_access;
  g_vfs.xFullPathname = fault_full_pathname;
  g_vfs.xDlOpen = fault_dl_open;
  g_vfs.xDlError = fault_dl_error;
  g_vfs.xDlSym = fault_dl_sym;
  g_vfs.xDlClose = fault_dl_close;
  g_vfs.xRandomness = fault_randomness;
  g_vfs.xSleep = fault_sleep;
  g_vfs.xCurrentTime = fault_current_time;
  g_vfs.xGetLastError = fault_get_last_error;
  g_vfs.xCurrentTimeInt64 = fault_current_time_int64;
  sqlite3_vfs_register(&g_vfs, 1);
}

// The path a descriptor is open on, or "" when /proc cannot tell.
std::string path_of(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[PATH_MAX];
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0) return {};
  return std::string(target, static_cast<std::size_t>(n));
}

}  // namespace

// Interposes libc's fdatasync for the whole process (LD_PRELOAD comes first in symbol lookup).
extern "C" int fdatasync(int fd) {
  using Fn = int (*)(int);
  static const Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "fdatasync"));
  if (!t_in_xsync && !control().path.empty()) {
    const std::string path = path_of(fd);
    if (path.size() > 4 && path.compare(path.size() - 4, 4, "-wal") == 0 &&
        next(Op::kFdatasync) != SQLITE_OK) {
      errno = EIO;
      return -1;
    }
  }
  return real != nullptr ? real(fd) : ::fsync(fd);
}
